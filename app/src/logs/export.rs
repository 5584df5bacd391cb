//! Export of a filtered view of the logs, as CSV or NDJSON, one call at a time.

use chrono::SecondsFormat;

use super::LogEntry;

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
    pub fn header(self) -> &'static str {
        match self {
            ExportFormat::Csv => {
                "id,time,method,endpoint,query,status,duration_ms,credits,request_id,\
                 api_key_prefix,client_ip,user_agent,error_message,request_headers,\
                 request_body,response_body,request_body_full_size,response_body_full_size\r\n"
            }
            ExportFormat::Ndjson => "",
        }
    }

    /// Appends one call to `out`: a CSV record (RFC 4180) or a JSON line.
    pub fn write(self, entry: &LogEntry, out: &mut Vec<u8>) {
        match self {
            ExportFormat::Csv => {
                let time = entry.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true);
                let size = |full: Option<i64>| full.map_or(String::new(), |n| n.to_string());
                let (request_full, response_full) =
                    (size(entry.request_body_full_size), size(entry.response_body_full_size));
                let fields: [&str; 18] = [
                    &entry.id.to_string(),
                    &time,
                    &entry.method,
                    &entry.endpoint,
                    &entry.query,
                    &entry.status.to_string(),
                    &entry.duration_ms.to_string(),
                    &entry.credits.to_string(),
                    &entry.request_id,
                    entry.api_key_prefix.as_deref().unwrap_or(""),
                    entry.client_ip.as_deref().unwrap_or(""),
                    entry.user_agent.as_deref().unwrap_or(""),
                    entry.error_message.as_deref().unwrap_or(""),
                    &entry.request_headers,
                    entry.request_body.as_deref().unwrap_or(""),
                    entry.response_body.as_deref().unwrap_or(""),
                    &request_full,
                    &response_full,
                ];
                for (i, field) in fields.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv_field(field, out);
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
            occurred_at: "2026-11-26T09:00:00.000123Z".parse().unwrap(),
            request_id: "req_7".into(),
            method: "POST".into(),
            endpoint: "/v1/pdf/merge".into(),
            query: String::new(),
            status: 400,
            duration_ms: 12,
            credits: 0,
            request_headers: r#"{"content-type":"application/json"}"#.into(),
            request_body: Some("{\"name\":\"a, \\\"b\\\"\"}\nline two".into()),
            response_body: None,
            request_body_full_size: None,
            response_body_full_size: None,
            error_message: Some("Bad file".into()),
            client_ip: Some("203.0.113.9".into()),
            user_agent: None,
        }
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        ExportFormat::Csv.write(&entry(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7,2026-11-26T09:00:00.000123Z,POST,/v1/pdf/merge,,400,12,0,req_7,,203.0.113.9,,\
             Bad file,\"{\"\"content-type\"\":\"\"application/json\"\"}\",\
             \"{\"\"name\"\":\"\"a, \\\"\"b\\\"\"\"\"}\nline two\",,,\r\n"
        );
        assert_eq!(ExportFormat::Csv.header().split(',').count(), 18);
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
