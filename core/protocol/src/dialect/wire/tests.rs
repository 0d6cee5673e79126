use super::*;
use serde_json::json;

#[test]
fn decimals_come_from_strings_and_number_text_exactly() {
    assert_eq!(decimal_of(&json!("12.50")).unwrap().to_string(), "12.50");
    assert_eq!(decimal_of(&json!(12.5)).unwrap().to_string(), "12.5");
    assert_eq!(decimal_of(&json!(0.1)).unwrap().to_string(), "0.1");
    assert_eq!(decimal_of(&json!(10)).unwrap().to_string(), "10");
    assert_eq!(decimal_of(&json!(1e3)).unwrap(), Decimal::from(1000));
    assert!(decimal_of(&json!("ten")).is_none());
    assert!(decimal_of(&json!("1e400")).is_none());
    assert!(decimal_of(&json!(null)).is_none());
    assert!(decimal_of(&json!([1])).is_none());
}

#[test]
fn ids_are_strings_numbers_or_objects_with_an_id() {
    assert_eq!(id_of(&json!("a1")).as_deref(), Some("a1"));
    assert_eq!(id_of(&json!(7)).as_deref(), Some("7"));
    assert_eq!(id_of(&json!(-7)).as_deref(), Some("-7"));
    assert_eq!(id_of(&json!(7.0)).as_deref(), Some("7"));
    assert_eq!(
        id_of(&json!(u64::MAX)).as_deref(),
        Some("18446744073709551615")
    );
    assert_eq!(id_of(&json!(1.5)), None);
    assert_eq!(id_of(&json!(1e300)), None);
    assert_eq!(
        id_of(&json!({"_id": {"$oid": "507f"}})).as_deref(),
        Some("507f")
    );
    assert_eq!(id_of(&json!({"id": 3, "_id": "x"})).as_deref(), Some("3"));
    assert_eq!(id_of(&json!({"name": "no id"})), None);
    assert_eq!(id_of(&json!("  ")), None);
    assert_eq!(id_of(&json!(true)), None);
    assert_eq!(id_of(&json!(["a"])), None);
}

#[test]
fn whole_numbers_never_overflow() {
    assert_eq!(u64_of(&json!(65)), Some(65));
    assert_eq!(u64_of(&json!("65")), Some(65));
    assert_eq!(u64_of(&json!(65.0)), Some(65));
    assert_eq!(u64_of(&json!(u64::MAX)), Some(u64::MAX));
    assert_eq!(u64_of(&json!(1.8446744073709552e19)), None);
    assert_eq!(u64_of(&json!(1e300)), None);
    assert_eq!(u64_of(&json!(-3)), None);
    assert_eq!(u64_of(&json!(2.5)), None);
    assert_eq!(u64_of(&json!("99999999999999999999999")), None);
}

#[test]
fn wrong_shapes_of_optional_fields_are_absent_and_required_ones_are_errors() {
    let args = [json!("not an object")];
    let e = object("chat-timer", &args).err().unwrap();
    assert_eq!(e.event, "chat-timer");
    assert!(e.reason.contains("expected an object"));
    let args = [json!({"duration": [], "cost": {"x": 1}, "id": 7, "flag": "yes"})];
    let o = object("chat-timer", &args).unwrap();
    assert!(o
        .decimal("duration")
        .unwrap_err()
        .reason
        .contains("duration should be"));
    assert_eq!(o.opt_decimal("cost"), None);
    assert!(o
        .str("missing")
        .unwrap_err()
        .reason
        .contains("missing field missing"));
    assert_eq!(o.id("id").unwrap(), "7");
    assert!(o.bool("flag").is_err());
    assert_eq!(o.opt_bool("flag"), None);
    assert_eq!(o.opt_u64("id"), Some(7));
    assert_eq!(o.opt_str("id"), None);
    assert!(o.opt_arr("cost").is_empty());
    assert!(first("x", &[]).is_err());
}

#[test]
fn fields_are_found_under_any_name_in_any_scope_first_usable_wins() {
    let args = [json!({
        "userId": {"name": "no id here"},
        "user": {"_id": 42, "name": "Asha"},
        "data": {"roomId": "r1", "duration": "bad"},
        "session": {"sessionType": "video"},
        "duration": 3
    })];
    let o = object("e", &args).unwrap().within("session");
    assert_eq!(o.opt_id("userId").as_deref(), Some("42"));
    assert_eq!(o.opt_id(["room_id", "roomId"]).as_deref(), Some("r1"));
    assert_eq!(o.opt_decimal("duration"), Some(Decimal::from(3)));
    assert_eq!(o.opt_str("sessionType").as_deref(), Some("video"));
    assert_eq!(
        o.opt_obj("user").and_then(|u| u.opt_str("name")).as_deref(),
        Some("Asha")
    );
    assert_eq!(o.opt_id("sessionId"), None, "the session object has no id");
    let e = o.id(["callId", "call_id"]).unwrap_err();
    assert_eq!(e.reason, "missing field callId / call_id");
}

#[test]
fn lists_keep_their_usable_items() {
    let args =
        [json!({"ids": ["a", 2, null, {}, {"id": "c"}, [1]], "items": [{"a": 1}, 3, {"b": 2}]})];
    let o = object("e", &args).unwrap();
    assert_eq!(o.ids("ids").unwrap(), ["a", "2", "c"]);
    assert_eq!(o.items(o.opt_arr("items")).len(), 2);
    assert!(o.ids("nope").is_err());
}
