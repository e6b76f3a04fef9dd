//! Recipes: the requests a famous session needs, as a data file (`assets/recipes/NAME.json`),
//! with where its names, sectors, share counts and headlines come from. `tapedeck fetch NAME`
//! turns one into a [`Plan`](super::Plan).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::historical::Request;
use super::{FetchError, Plan, PlannedRequest};
use crate::replay;

/// The recipes shipped in `assets/recipes/`.
pub const RECIPES_DIR: &str = "assets/recipes";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub name: String,
    pub title: String,
    /// The trading date (YYYY-MM-DD); earlier prints only give reference prices.
    pub date: String,
    /// What the session was, one or two sentences (shown before the quote).
    pub about: String,
    /// A bundled replay whose instruments (names, sectors, share counts, reference prices)
    /// and headlines the fetched replay keeps, so its lesson runs on the real prints.
    #[serde(default)]
    pub metadata_from: Option<String>,
    /// Instruments, as `import --instruments` reads them (when there is no `metadata_from`).
    #[serde(default)]
    pub instruments: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Headlines, as `import --headlines` reads them (when there is no `metadata_from`).
    #[serde(default)]
    pub headlines: Vec<serde_json::Value>,
    pub requests: Vec<RecipeRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeRequest {
    pub vendor: String,
    pub dataset: String,
    pub schema: String,
    #[serde(default = "raw_symbol")]
    pub stype_in: String,
    pub symbols: Vec<String>,
    pub start: String,
    pub end: String,
    /// Vendor symbol → the replay's symbol (`NQH5` → `NQH25`).
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// Why this request is in the recipe.
    #[serde(default)]
    pub why: String,
}

fn raw_symbol() -> String {
    "raw_symbol".into()
}

/// A recipe file: a path, or the name of one under `assets/recipes/` (in the working
/// directory or the source tree this binary was built from).
pub fn resolve(name: &str) -> Result<PathBuf, FetchError> {
    let direct = PathBuf::from(name);
    if direct.is_file() {
        return Ok(direct);
    }
    let file = format!("{name}.json");
    let candidates = [
        PathBuf::from(RECIPES_DIR).join(&file),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(RECIPES_DIR)
            .join(&file),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            FetchError::Usage(format!(
                "no recipe {name:?}: not a file, and not one of {} (try `tapedeck fetch --list`)",
                list().join(", ")
            ))
        })
}

/// The names of the shipped recipes.
pub fn list() -> Vec<String> {
    let dirs = [
        PathBuf::from(RECIPES_DIR),
        Path::new(env!("CARGO_MANIFEST_DIR")).join(RECIPES_DIR),
    ];
    let mut names: Vec<String> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Reads a recipe; errors name the file, line and field.
pub fn load(path: &Path) -> Result<Recipe, FetchError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FetchError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        FetchError::Usage(format!(
            "{}:{}: {}: {}",
            path.display(),
            e.inner().line(),
            e.path(),
            e.inner()
        ))
    })
}

/// The plan for `recipe`: its requests, and the instruments and headlines files written into
/// `scratch` for the import.
pub fn plan(recipe: &Recipe, source: &Path, scratch: &Path) -> Result<Plan, FetchError> {
    let bad = |m: String| FetchError::Usage(format!("{}: {m}", source.display()));
    let mut requests = Vec::new();
    for (i, r) in recipe.requests.iter().enumerate() {
        if r.vendor != "databento" {
            return Err(bad(format!(
                "requests[{i}].vendor {:?}: only databento is supported",
                r.vendor
            )));
        }
        let req = Request::parse(
            &r.dataset,
            &r.schema,
            &r.stype_in,
            &r.symbols,
            &r.start,
            &r.end,
        )
        .map_err(|e| bad(format!("requests[{i}]: {e}")))?;
        requests.push(PlannedRequest {
            request: req,
            rename: r
                .rename
                .iter()
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect(),
        });
    }
    let date = chrono::NaiveDate::parse_from_str(&recipe.date, "%Y-%m-%d")
        .map_err(|_| bad(format!("date {:?} is not YYYY-MM-DD", recipe.date)))?;
    let (instruments, headlines) = if let Some(name) = &recipe.metadata_from {
        let dir = replay::resolve(Some(name)).map_err(bad)?;
        let r = replay::load(&dir).map_err(|e| bad(format!("metadata_from {name:?}: {e}")))?;
        let rows: Vec<serde_json::Value> = r
            .manifest
            .instruments
            .iter()
            .map(|i| {
                let mut o = serde_json::Map::new();
                let mut put = |k: &str, v: String| {
                    o.insert(k.into(), serde_json::Value::String(v));
                };
                put("symbol", i.symbol.clone());
                put("name", i.name.clone());
                put("kind", i.kind.as_str().into());
                put("sector", i.sector.clone());
                put("tick_size", i.tick_size.to_string());
                put("reference", i.reference.to_string());
                if let Some(s) = &i.reference_source {
                    put("reference_source", s.clone());
                }
                if let Some(n) = i.shares_outstanding {
                    put("shares_outstanding", n.to_string());
                }
                if let Some(s) = &i.shares_source {
                    put("shares_source", s.clone());
                }
                if let Some(m) = i.multiplier {
                    put("multiplier", m.to_string());
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let headlines = dir.join(&r.manifest.files.headlines);
        (
            write_json(scratch, "instruments.json", &rows)?,
            Some(headlines),
        )
    } else {
        let rows: Vec<serde_json::Value> = recipe
            .instruments
            .iter()
            .cloned()
            .map(serde_json::Value::Object)
            .collect();
        let instruments = write_json(scratch, "instruments.json", &rows)?;
        let headlines = (!recipe.headlines.is_empty())
            .then(|| write_json(scratch, "headlines.json", &recipe.headlines))
            .transpose()?;
        (instruments, headlines)
    };
    Ok(Plan {
        requests,
        title: Some(recipe.title.clone()),
        date: Some(date),
        instruments: Some(instruments),
        headlines,
        kept: recipe.metadata_from.clone(),
    })
}

fn write_json(dir: &Path, name: &str, rows: &[serde_json::Value]) -> Result<PathBuf, FetchError> {
    let p = dir.join(name);
    let text = serde_json::to_string_pretty(rows).map_err(|e| FetchError::Local(e.to_string()))?;
    std::fs::write(&p, text)
        .map_err(|e| FetchError::Local(format!("cannot write {}: {e}", p.display())))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_recipe_loads_and_plans() {
        let names = list();
        assert!(names.len() >= 2, "{names:?}");
        for name in names {
            let path = resolve(&name).unwrap();
            let recipe = load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(recipe.name, name);
            let scratch = tempfile::tempdir().unwrap();
            let plan =
                plan(&recipe, &path, scratch.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!plan.requests.is_empty());
            assert!(plan.instruments.as_ref().unwrap().is_file());
        }
    }

    #[test]
    fn a_recipe_with_a_bad_field_names_its_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(
            &p,
            "{\"name\": \"r\", \"title\": \"t\", \"date\": \"2025-01-27\", \"about\": \"a\",\n \"requests\": [{\"vendor\": \"databento\", \"dataset\": \"X\", \"schema\": \"trades\",\n \"symbols\": \"NVDA\", \"start\": \"2025-01-27\", \"end\": \"2025-01-28\"}]}",
        )
        .unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(
            e.contains("r.json:3") && e.contains("requests[0].symbols"),
            "{e}"
        );
    }
}
