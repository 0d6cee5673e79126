use super::*;
use parlor_core::model::LiveKitGrant;

#[test]
fn events_lift_ids_and_credentials() {
    let e = Event::from(&DomainEvent::CallAccepted {
        call_id: "c1".into(),
        livekit: LiveKitGrant {
            url: "wss://lk".into(),
            token: "t".into(),
            room: "r".into(),
        },
        media: None,
        caller: None,
    });
    assert_eq!(e.name, "call_accepted");
    assert_eq!(e.call_id.as_deref(), Some("c1"));
    assert_eq!(e.livekit.map(|l| l.room), Some("r".into()));
    assert!(e.json.contains("\"event\":\"call_accepted\""));
}
