//! Export of a filtered view of the logs, as CSV or NDJSON, one call at a time.

use std::borrow::Cow;

use chrono::SecondsFormat;

use super::{Call, Field, LogEntry};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Ndjson,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Ndjson];

    /// The file's extension, and the last part of the export's path.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Ndjson => "NDJSON",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }

    /// What the file starts with: CSV's header row, the NDJSON lines' keys.
    pub fn header(self) -> String {
        match self {
            ExportFormat::Csv => {
                let mut names = ENTRY_FIELDS.iter().chain(&Call::NAMES);
                let mut header = names.next().map(|name| name.to_string()).unwrap_or_default();
                for name in names {
                    header.push(',');
                    header.push_str(name);
                }
                header + "\r\n"
            }
            ExportFormat::Ndjson => String::new(),
        }
    }

    /// Appends one call to `out`: a CSV record (RFC 4180) or a JSON line.
    pub fn write(self, entry: &LogEntry, out: &mut Vec<u8>) {
        match self {
            ExportFormat::Csv => {
                let LogEntry { id, account_id, api_key_prefix, call } = entry;
                let place = [
                    Field::OptionalBigInt(Some(*id)),
                    Field::OptionalBigInt(Some(*account_id)),
                    Field::OptionalText(api_key_prefix.as_deref()),
                ];
                let fields = place.into_iter().chain(call.fields().map(|(_, field)| field));
                for (i, field) in fields.enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv_field(&field_text(field), out);
                }
                out.extend_from_slice(b"\r\n");
            }
            ExportFormat::Ndjson => {
                // A struct of strings and numbers always serializes.
                serde_json::to_writer(&mut *out, entry).expect("a log entry serializes");
                out.push(b'\n');
            }
        }
    }
}

/// The columns before a call's own: where the entry is, and its key.
const ENTRY_FIELDS: [&str; 3] = ["id", "account_id", "api_key_prefix"];

/// A field as CSV writes it: times in RFC 3339 UTC to the microsecond, nothing for
/// an absent value.
fn field_text(field: Field<'_>) -> Cow<'_, str> {
    match field {
        Field::Time(at) => at.to_rfc3339_opts(SecondsFormat::Micros, true).into(),
        Field::Text(text) | Field::OptionalText(Some(text)) => text.into(),
        Field::Int(n) => n.to_string().into(),
        Field::OptionalBigInt(Some(n)) => n.to_string().into(),
        Field::OptionalText(None) | Field::OptionalBigInt(None) => "".into(),
    }
}

/// A CSV field, quoted (quotes doubled) when it holds a separator, quote or line break.
fn csv_field(field: &str, out: &mut Vec<u8>) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> LogEntry {
        LogEntry {
            id: 7,
            account_id: 3,
            api_key_prefix: None,
            call: Call {
                status: 400,
                duration_ms: 12,
                credits: 0,
                request_headers: r#"{"content-type":"application/json"}"#.into(),
                request_body: Some("{\"name\":\"a, \\\"b\\\"\"}\nline two".into()),
                response_body: None,
                error_message: Some("Bad file".into()),
                user_agent: None,
                ..Call::sample("2026-11-26T09:00:00.000123Z".parse().unwrap(), 7)
            },
        }
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        ExportFormat::Csv.write(&entry(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7,3,,2026-11-26T09:00:00.000123Z,req_7,POST,/v1/pdf/convert/to/text,,400,12,0,\
             \"{\"\"content-type\"\":\"\"application/json\"\"}\",\
             \"{\"\"name\"\":\"\"a, \\\"\"b\\\"\"\"\"}\nline two\",,,,Bad file,203.0.113.9,\r\n"
        );
    }

    #[test]
    fn csv_columns_are_the_ndjson_keys() {
        let mut line = Vec::new();
        ExportFormat::Ndjson.write(&entry(), &mut line);
        let json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&line).unwrap();
        let keys: Vec<&str> = json.keys().map(String::as_str).collect();
        let header = ExportFormat::Csv.header();
        assert_eq!(header.trim_end().split(',').collect::<Vec<_>>(), keys);
        assert!(header.ends_with("\r\n"));
    }

    #[test]
    fn ndjson_is_one_entry_per_line() {
        let mut out = Vec::new();
        ExportFormat::Ndjson.write(&entry(), &mut out);
        ExportFormat::Ndjson.write(&entry(), &mut out);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(serde_json::from_str::<LogEntry>(lines[0]).unwrap(), entry());
    }
}
