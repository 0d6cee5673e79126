//! The variations a tolerant reader must survive: extra fields anywhere, ids as numbers, ids nested in objects.

use super::*;

/// One added field.
#[derive(Debug, Clone)]
pub(super) enum Extra {
    /// A name no decoder reads, any value.
    Unread(String, Value),
    /// A name a decoder reads (an index into the known names), with an unusable value;
    /// added only where the object does not have that name.
    Colliding(usize, Value),
}

pub(super) fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        3 => (unread_name(), any_json()).prop_map(|(k, v)| Extra::Unread(k, v)),
        2 => (any::<usize>(), unusable()).prop_map(|(i, v)| Extra::Colliding(i, v)),
    ]
}

/// Calls `f` on every object of `v` (pre-order), with the name it sits under.
pub(super) fn each_object(
    v: &mut Value,
    under: &str,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    match v {
        Value::Object(m) => {
            f(m, under);
            for (k, child) in m.iter_mut() {
                each_object(child, k, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                each_object(item, under, f);
            }
        }
        _ => {}
    }
}

pub(super) fn with_extras(payload: &Value, extras: &[Vec<Extra>]) -> Value {
    let mut out = payload.clone();
    let mut n = 0usize;
    each_object(&mut out, "", &mut |m, under| {
        let chunk = extras.get(n).cloned().unwrap_or_default();
        n += 1;
        for e in chunk {
            match e {
                // The keys of a reaction-count map are data, not field names.
                Extra::Unread(k, v) if under != "reactions" => {
                    m.entry(k).or_insert(v);
                }
                Extra::Unread(..) => {}
                Extra::Colliding(i, v) => {
                    let names = known_list();
                    let k = &names[i % names.len()];
                    // Any object under `reactions` is data (emoji → count), never unusable.
                    if !m.contains_key(k) && k != "reactions" {
                        m.insert(k.clone(), v);
                    }
                }
            }
        }
    });
    out
}

/// The payload with field number `pick` (counting every key of every object) set to
/// `value`, or removed when `value` is `None`. A reaction-count map is not a field: any
/// object there is data (emoji → count), so it is left alone.
pub(super) fn with_field(payload: &Value, pick: usize, value: Option<&Value>) -> Option<Value> {
    let mut total = 0usize;
    let mut probe = payload.clone();
    each_object(&mut probe, "", &mut |m, _| total += m.len());
    if total == 0 {
        return None;
    }
    let target = pick % total;
    let mut seen = 0usize;
    let mut out = payload.clone();
    each_object(&mut out, "", &mut |m, _| {
        let len = m.len();
        if (seen..seen + len).contains(&target) {
            let key = m.keys().nth(target - seen).filter(|k| *k != "reactions");
            if let Some(k) = key.cloned() {
                match value {
                    Some(v) => {
                        m.insert(k, v.clone());
                    }
                    None => {
                        m.remove(&k);
                    }
                }
            }
        }
        seen += len;
    });
    Some(out)
}

/// A server's id field. Client ids are not: they are strings Parlor made, and a number or
/// an object under such a name is read as someone else's field (absent), by design.
pub(super) fn is_id_key(k: &str) -> bool {
    let client = matches!(k, "clientId" | "client_id" | "clientMessageId");
    !client && (k == "id" || k == "_id" || k == "uid" || k.ends_with("Id") || k.ends_with("_id"))
}

pub(super) fn is_id_list_key(k: &str) -> bool {
    k.ends_with("Ids") || k.ends_with("_ids") || k == "participants"
}

/// A number standing for `id` (the same id always gets the same number).
pub(super) fn number_for(id: &str, seed: u64) -> u64 {
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    1 + h % 1_000_000_000
}

/// Every string id replaced by a number: as its text (`as_numbers` false) or as a JSON
/// number, where the bit of `mask` for that id is set.
pub(super) fn numeric_ids(payload: &Value, seed: u64, mask: u64, as_numbers: bool) -> Value {
    let mut out = payload.clone();
    let mut n = 0u32;
    let mut convert = |v: &mut Value| {
        if let Value::String(s) = v {
            let num = number_for(s, seed);
            let flip = as_numbers && mask & (1u64 << (n % 64)) != 0;
            n += 1;
            *v = if flip {
                json!(num)
            } else {
                json!(num.to_string())
            };
        }
    };
    each_object(&mut out, "", &mut |m, _| {
        for (k, v) in m.iter_mut() {
            if is_id_key(k) {
                convert(v);
            } else if is_id_list_key(k) {
                if let Value::Array(items) = v {
                    items.iter_mut().for_each(&mut convert);
                }
            }
        }
    });
    out
}

/// `xId: v` / `x_id: v` nested as `x: {id: v}` (or `{_id: v}`) where the object has no `x`,
/// for the ids whose bit of `mask` is set.
pub(super) fn nested_ids(payload: &Value, mask: u64, underscore: bool) -> Value {
    let mut out = payload.clone();
    let mut n = 0u32;
    each_object(&mut out, "", &mut |m, _| {
        let keys: Vec<String> = m.keys().cloned().collect();
        for k in keys {
            // Client ids stay flat strings (see `is_id_key`).
            if !is_id_key(&k) {
                continue;
            }
            let Some(base) = k
                .strip_suffix("Id")
                .or_else(|| k.strip_suffix("_id"))
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
            else {
                continue;
            };
            let pick = mask & (1u64 << (n % 64)) != 0;
            n += 1;
            if !pick || m.contains_key(&base) {
                continue;
            }
            if let Some(v) = m.remove(&k) {
                let inner = if underscore { "_id" } else { "id" };
                m.insert(base, json!({ inner: v }));
            }
        }
    });
    out
}
