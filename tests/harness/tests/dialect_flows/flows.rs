//! The main flow of every dialect: the demo scripts against the reference servers, each step
//! checked (000's bill to the cent against figures the test knows on its own).

use super::*;

async fn flow(d: DialectId) {
    let t = Transcript::new(d, false);
    if let Err(e) = demo::run(d, &t).await {
        panic!("{d} flow failed: {e}\n{}", t.lines().join("\n"));
    }
    assert!(t.lines().len() >= 6, "{:?}", t.lines());
}

/// The bill is checked against figures the test knows on its own, not the server's: Pandit
/// Sharma's seeded rate (10.00 INR a minute, `tests/servers/000_billing_chat.js`), the
/// flow's shape (two billed minutes seen, then an end that bills at most the one started
/// minute), and the seeded wallet (500.00).
#[tokio::test]
async fn billing_chat_main_flow_bills_to_the_cent() {
    let t = Transcript::new(DialectId::BillingChat, false);
    if let Err(e) = demo::run(DialectId::BillingChat, &t).await {
        panic!("billing-chat flow failed: {e}\n{}", t.lines().join("\n"));
    }
    let lines = t.lines();
    let after = |marker: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("no {marker:?} line: {lines:#?}"));
        line[line.find(marker).unwrap() + marker.len()..]
            .trim()
            .to_owned()
    };
    let dec = |s: &str| rust_decimal::Decimal::from_str_exact(s).unwrap();
    // "3 min × 10.00 = 30.00 INR (ended by astrologer)"
    let bill = after("] bill ");
    let words: Vec<&str> = bill.split_whitespace().collect();
    let (minutes, total) = (dec(words[0]), dec(words[5]));
    let seeded_rate = dec("10.00");
    assert!(
        minutes == dec("2") || minutes == dec("3"),
        "two minutes billed while running, at most one started minute at the end: {bill}"
    );
    assert_eq!(total, minutes * seeded_rate, "to the cent: {bill}");
    assert_eq!(after("chat started; wallet"), "500.00", "the seeded wallet");
    // "earnings record: 3 min, 30.00 INR" — the expert's side agrees.
    let earned = after("earnings record:");
    assert_eq!(earned, format!("{minutes} min, {total} INR"));
}

#[tokio::test]
async fn presence_sessions_main_flow() {
    flow(DialectId::PresenceSessions).await;
}

#[tokio::test]
async fn tarot_chat_main_flow() {
    flow(DialectId::TarotChat).await;
}

#[tokio::test]
async fn support_chat_main_flow() {
    flow(DialectId::SupportChat).await;
}

#[tokio::test]
async fn telecaller_main_flow() {
    flow(DialectId::Telecaller).await;
}
