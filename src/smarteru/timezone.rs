//! Timezones: `getUser` answers a display value such as `(GMT-8:00) - US/Pacific` (the public
//! PHP client refuses a user whose timezone it cannot map back), while `updateUser` may send
//! either that display value or the provided name alone (`US/Pacific`, `EST`).

/// **\[choice\]** The provided names the mock can turn into a display value, with their standard
/// offsets. The vendor's list is several hundred names long; a name outside this table is
/// ignored by `updateUser` (the stored timezone stays) rather than stored in a form `getUser`
/// could not answer faithfully.
const KNOWN: &[(&str, &str)] = &[
    ("HST", "-10:00"),
    ("Pacific/Honolulu", "-10:00"),
    ("US/Hawaii", "-10:00"),
    ("America/Anchorage", "-9:00"),
    ("US/Alaska", "-9:00"),
    ("PST", "-8:00"),
    ("America/Los_Angeles", "-8:00"),
    ("America/Vancouver", "-8:00"),
    ("US/Pacific", "-8:00"),
    ("MST", "-7:00"),
    ("America/Denver", "-7:00"),
    ("America/Edmonton", "-7:00"),
    ("America/Phoenix", "-7:00"),
    ("US/Arizona", "-7:00"),
    ("US/Mountain", "-7:00"),
    ("CST", "-6:00"),
    ("America/Chicago", "-6:00"),
    ("America/Mexico_City", "-6:00"),
    ("America/Winnipeg", "-6:00"),
    ("US/Central", "-6:00"),
    ("EST", "-5:00"),
    ("America/New_York", "-5:00"),
    ("America/Toronto", "-5:00"),
    ("US/Eastern", "-5:00"),
    ("America/Halifax", "-4:00"),
    ("Canada/Atlantic", "-4:00"),
    ("America/St_Johns", "-3:30"),
    ("America/Sao_Paulo", "-3:00"),
    ("GMT", "+0:00"),
    ("UTC", "+0:00"),
    ("Europe/London", "+0:00"),
    ("Europe/Berlin", "+1:00"),
    ("Europe/Paris", "+1:00"),
    ("Asia/Kolkata", "+5:30"),
    ("Asia/Tokyo", "+9:00"),
    ("Australia/Sydney", "+10:00"),
];

/// The display value for what a client sent: a display value is kept as it is, a known provided
/// name is mapped, anything else is `None`.
pub fn display_value(sent: &str) -> Option<String> {
    let sent = sent.trim();
    if sent.starts_with("(GMT") && sent.contains(") - ") {
        return Some(sent.to_string());
    }
    KNOWN
        .iter()
        .find(|(name, _)| *name == sent)
        .map(|(name, offset)| format!("(GMT{offset}) - {name}"))
}

#[cfg(test)]
mod tests {
    use super::display_value;

    #[test]
    fn display_values_stay_provided_names_map_and_unknown_names_are_none() {
        assert_eq!(
            display_value("(GMT-8:00) - US/Pacific").as_deref(),
            Some("(GMT-8:00) - US/Pacific")
        );
        assert_eq!(display_value("EST").as_deref(), Some("(GMT-5:00) - EST"));
        assert_eq!(display_value("Mars/Olympus_Mons"), None);
    }
}
