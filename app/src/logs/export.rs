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

    /// What the file starts with: CSV's header row.
    pub fn header(self) -> String {
        match self {
            ExportFormat::Csv => {
                // The call's own columns, named as its fields are, but for `time`, the
                // name spreadsheets built on earlier exports look for.
                let call =
                    Call::NAMES.map(|name| if name == "occurred_at" { "time" } else { name });
                let names: Vec<&str> =
                    ["id"].into_iter().chain(call).chain(["api_key_prefix"]).collect();
                names.join(",") + "\r\n"
            }
            ExportFormat::Ndjson => String::new(),
        }
    }

    /// Appends one call to `out`: a CSV record (RFC 4180) or a JSON line.
    pub fn write(self, entry: &LogEntry, out: &mut Vec<u8>) {
        match self {
            ExportFormat::Csv => {
                let id = Field::OptionalBigInt(Some(entry.id));
                let call = entry.call.fields().map(|(_, field)| field);
                let key = Field::OptionalText(entry.api_key_prefix.as_deref());
                for (i, field) in [id].into_iter().chain(call).chain([key]).enumerate() {
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
pub(crate) fn csv_field(field: &str, out: &mut Vec<u8>) {
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
            "7,2026-11-26T09:00:00.000123Z,POST,/v1/pdf/convert/to/text,,400,12,0,req_7,\
             203.0.113.9,,Bad file,\"{\"\"content-type\"\":\"\"application/json\"\"}\",\
             \"{\"\"name\"\":\"\"a, \\\"\"b\\\"\"\"\"}\nline two\",,,,\r\n"
        );
    }

    #[test]
    fn csv_has_a_column_for_each_field_of_an_entry() {
        let header = ExportFormat::Csv.header();
        assert!(header.starts_with("id,time,method,endpoint,query,status,"), "{header}");
        assert!(header.ends_with(",api_key_prefix\r\n"), "{header}");
        let columns: Vec<&str> = header.trim_end().split(',').collect();
        assert_eq!(columns.len(), Call::NAMES.len() + 2);
        let mut row = Vec::new();
        ExportFormat::Csv
            .write(&LogEntry { api_key_prefix: Some("ak_".into()), ..entry() }, &mut row);
        assert!(String::from_utf8(row).unwrap().ends_with(",ak_\r\n"));
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
