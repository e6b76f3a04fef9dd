//! The vendor's API key: from `DATABENTO_API_KEY`, else from the user's config file. It is
//! held in [`ApiKey`], whose `Debug` and `Display` show only a mask, and [`ApiKey::scrub`]
//! removes it from any text (a vendor's or a library's error message) before it is shown.

use std::fmt;
use std::path::PathBuf;

/// The environment variable Databento's own clients read.
pub const ENV: &str = "DATABENTO_API_KEY";
/// Databento keys are 32 ASCII characters (`db-` and 29 more).
const KEY_LEN: usize = 32;

/// An API key. Never printed: both formatters show `db-…` and the length only.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[API key, {} characters, hidden]", self.0.len())
    }
}

impl ApiKey {
    /// Checks the key's shape here, so that the vendor library never logs a bad one.
    pub fn new(key: &str, from: &str) -> Result<ApiKey, String> {
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("the API key in {from} is empty"));
        }
        if key.len() != KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the API key in {from} is not a Databento key ({KEY_LEN} ASCII characters, starting db-): check it in the Databento portal under API keys"
            ));
        }
        Ok(ApiKey(key.to_string()))
    }

    /// The key itself, for the vendor client only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by its mask.
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, &self.to_string())
    }

    /// The key from the environment, else from the config file; the error says where it
    /// looked (never what it found).
    pub fn find() -> Result<ApiKey, String> {
        if let Some(v) = std::env::var_os(ENV) {
            let v = v
                .into_string()
                .map_err(|_| format!("${ENV} is not valid UTF-8"))?;
            return ApiKey::new(&v, &format!("${ENV}"));
        }
        let path = config_path();
        let Some(path) = path else {
            return Err(format!(
                "no Databento API key: set ${ENV} (create a key at https://databento.com/portal/keys)"
            ));
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "no Databento API key: set ${ENV}, or put {{\"databento\": {{\"api_key\": \"db-...\"}}}} in {} (create a key at https://databento.com/portal/keys)",
                    path.display()
                ));
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        // The file's text is never echoed: a parse error would quote it.
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not valid JSON (line {}, column {})",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        let key = v
            .get("databento")
            .and_then(|d| d.get("api_key"))
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                format!(
                    "{}: no databento.api_key string (and ${ENV} is not set)",
                    path.display()
                )
            })?;
        ApiKey::new(key, &path.display().to_string())
    }
}

/// The user's config file: `$TAPEDECK_CONFIG`, else `$XDG_CONFIG_HOME` or `~/.config`
/// `/tapedeck/config.json`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TAPEDECK_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("tapedeck").join("config.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "db-Abcdefghijklmnopqrstuvwxyz012";

    #[test]
    fn formatting_and_scrubbing_never_show_the_key() {
        let k = ApiKey::new(KEY, "test").unwrap();
        for shown in [format!("{k}"), format!("{k:?}"), format!("{:?}", Some(&k))] {
            assert!(!shown.contains("Abcdefghij"), "{shown}");
            assert!(shown.contains("32 characters"), "{shown}");
        }
        let scrubbed = k.scrub(&format!("401 for key {KEY} at https://x/{KEY}"));
        assert!(!scrubbed.contains(KEY), "{scrubbed}");
        assert!(scrubbed.starts_with("401 for key [API key"), "{scrubbed}");
    }

    #[test]
    fn a_malformed_key_is_refused_without_quoting_it() {
        for bad in ["db-short", "db-Abcdefghijklmnopqrstuvwxyz01é", ""] {
            let e = ApiKey::new(bad, "$DATABENTO_API_KEY").unwrap_err();
            assert!(e.contains("$DATABENTO_API_KEY"), "{e}");
            assert!(bad.is_empty() || !e.contains(bad), "{e}");
        }
    }
}
