//! Reading the attributes of one mapping (a service, a port, a deploy section...) with typed
//! accessors that turn every problem into an error naming the file, path and line, and that report
//! keys nobody asked for: `x-` keys go to extensions, spec keys the model does not type go to
//! `other`, anything else is an unknown-key error with a "did you mean" hint.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::units;
use crate::loader::locate::Locator;
use crate::loader::suggest::unknown_key;
use crate::loader::value::{child, index, key_string, kind, scalar_string, to_json, untag};
use crate::{Duration, Error, Extensions};

/// What every normaliser needs: where errors point and the environment for value-less keys.
pub(crate) struct Cx<'a> {
    pub(crate) locator: &'a Locator,
    pub(crate) env: &'a BTreeMap<String, String>,
    pub(crate) project_dir: &'a Path,
    /// The port entries of the project read so far, held to [`super::ports::MAX_PORTS`].
    pub(crate) ports: Cell<usize>,
}

impl Cx<'_> {
    pub(crate) fn error(&self, path: &str, message: impl Into<String>) -> Error {
        self.locator.error(path, message)
    }

    /// The mapping at `path`, or an error saying what it is instead.
    pub(crate) fn mapping<'v>(&self, value: &'v Value, path: &str) -> Result<&'v Mapping, Error> {
        match untag(value) {
            Value::Mapping(m) => Ok(m),
            other => Err(self.error(path, format!("must be a mapping, not {}", kind(other)))),
        }
    }

    /// A scalar as a string (numbers and booleans are printed).
    pub(crate) fn string(&self, value: &Value, path: &str) -> Result<String, Error> {
        scalar_string(value)
            .ok_or_else(|| self.error(path, format!("must be a string, not {}", kind(value))))
    }

    /// A list of scalars as strings.
    pub(crate) fn strings(&self, value: &Value, path: &str) -> Result<Vec<String>, Error> {
        match untag(value) {
            Value::Sequence(seq) => seq
                .iter()
                .enumerate()
                .map(|(i, v)| self.string(v, &index(path, i)))
                .collect(),
            other => Err(self.error(path, format!("must be a list, not {}", kind(other)))),
        }
    }

    /// A string or a list of strings.
    pub(crate) fn string_or_list(&self, value: &Value, path: &str) -> Result<Vec<String>, Error> {
        match untag(value) {
            Value::Sequence(_) => self.strings(value, path),
            _ => Ok(vec![self.string(value, path)?]),
        }
    }

    /// A mapping of scalars (or a `KEY=VALUE` list) as strings; null values become "".
    pub(crate) fn string_map(
        &self,
        value: &Value,
        path: &str,
    ) -> Result<BTreeMap<String, String>, Error> {
        Ok(self
            .optional_string_map(value, path)?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect())
    }

    /// A mapping of scalars or nulls (or a `KEY=VALUE` / `KEY` list).
    pub(crate) fn optional_string_map(
        &self,
        value: &Value,
        path: &str,
    ) -> Result<BTreeMap<String, Option<String>>, Error> {
        let mut out = BTreeMap::new();
        match untag(value) {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let key = self.key(k, path)?;
                    let p = child(path, &key);
                    let v = match untag(v) {
                        Value::Null => None,
                        _ => Some(self.string(v, &p)?),
                    };
                    out.insert(key, v);
                }
            }
            Value::Sequence(seq) => {
                for (i, item) in seq.iter().enumerate() {
                    let s = self.string(item, &index(path, i))?;
                    match s.split_once('=') {
                        Some((k, v)) => out.insert(k.to_string(), Some(v.to_string())),
                        None => out.insert(s, None),
                    };
                }
            }
            Value::Null => {}
            other => {
                return Err(self.error(
                    path,
                    format!(
                        "must be a mapping or a list of KEY=VALUE, not {}",
                        kind(other)
                    ),
                ))
            }
        }
        Ok(out)
    }

    /// The entries of a `services:` / `networks:` / ... section: (name, path, value). Names follow
    /// the spec's pattern `[a-zA-Z0-9._-]+`.
    pub(crate) fn named_entries<'v>(
        &self,
        value: &'v Value,
        path: &str,
    ) -> Result<Vec<(String, String, &'v Value)>, Error> {
        let map = self.mapping(value, path)?;
        map.iter()
            .map(|(k, v)| {
                let name = self.key(k, path)?;
                let p = child(path, &name);
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
                if !valid {
                    return Err(self.error(
                        &p,
                        format!("invalid name {name:?}: only letters, digits, '.', '_' and '-' are allowed"),
                    ));
                }
                Ok((name, p, v))
            })
            .collect()
    }

    pub(crate) fn key(&self, key: &Value, path: &str) -> Result<String, Error> {
        key_string(key)
            .ok_or_else(|| self.error(path, format!("keys must be strings, found {}", kind(key))))
    }

    /// `f` on an optional value (absent values get `f`'s default).
    pub(crate) fn convert_opt<T>(
        &self,
        value: Option<&Value>,
        path: &str,
        f: impl FnOnce(Option<&Value>) -> Result<T, String>,
    ) -> Result<T, Error> {
        f(value).map_err(|m| self.error(path, m))
    }

    pub(crate) fn convert<T>(
        &self,
        value: &Value,
        path: &str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<T, Error> {
        f(value).map_err(|m| self.error(path, m))
    }
}

/// The attributes of one mapping being read.
pub(crate) struct Fields<'a> {
    pub(crate) cx: &'a Cx<'a>,
    map: &'a Mapping,
    pub(crate) path: String,
    asked: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(cx: &'a Cx<'a>, value: &'a Value, path: &str) -> Result<Self, Error> {
        Ok(Fields {
            cx,
            map: cx.mapping(value, path)?,
            path: path.to_string(),
            asked: Vec::new(),
        })
    }

    pub(crate) fn path_of(&self, key: &str) -> String {
        child(&self.path, key)
    }

    /// The value of `key`; a YAML null counts as absent.
    pub(crate) fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.asked.push(key);
        match self.map.get(key) {
            Some(v) if !matches!(untag(v), Value::Null) => Some(v),
            _ => None,
        }
    }

    fn with<T>(
        &mut self,
        key: &'static str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, Error> {
        match self.raw(key) {
            Some(v) => {
                let p = self.path_of(key);
                self.cx.convert(v, &p, f).map(Some)
            }
            None => Ok(None),
        }
    }

    pub(crate) fn string(&mut self, key: &'static str) -> Result<Option<String>, Error> {
        match self.raw(key) {
            Some(v) => self.cx.string(v, &self.path_of(key)).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn strings(&mut self, key: &'static str) -> Result<Vec<String>, Error> {
        match self.raw(key) {
            Some(v) => self.cx.strings(v, &self.path_of(key)),
            None => Ok(Vec::new()),
        }
    }

    pub(crate) fn string_or_list(&mut self, key: &'static str) -> Result<Vec<String>, Error> {
        match self.raw(key) {
            Some(v) => self.cx.string_or_list(v, &self.path_of(key)),
            None => Ok(Vec::new()),
        }
    }

    pub(crate) fn string_map(
        &mut self,
        key: &'static str,
    ) -> Result<BTreeMap<String, String>, Error> {
        match self.raw(key) {
            Some(v) => self.cx.string_map(v, &self.path_of(key)),
            None => Ok(BTreeMap::new()),
        }
    }

    pub(crate) fn bool(&mut self, key: &'static str) -> Result<Option<bool>, Error> {
        self.with(key, units::boolean)
    }

    pub(crate) fn flag(&mut self, key: &'static str) -> Result<bool, Error> {
        Ok(self.bool(key)?.unwrap_or(false))
    }

    pub(crate) fn integer(&mut self, key: &'static str) -> Result<Option<i64>, Error> {
        self.with(key, units::integer)
    }

    pub(crate) fn unsigned<T: TryFrom<i64>>(
        &mut self,
        key: &'static str,
    ) -> Result<Option<T>, Error> {
        self.with(key, units::unsigned::<T>)
    }

    pub(crate) fn float(&mut self, key: &'static str) -> Result<Option<f64>, Error> {
        self.with(key, units::float)
    }

    pub(crate) fn duration(&mut self, key: &'static str) -> Result<Option<Duration>, Error> {
        self.with(key, units::duration)
    }

    pub(crate) fn size(&mut self, key: &'static str) -> Result<Option<u64>, Error> {
        self.with(key, units::size)
    }

    pub(crate) fn mode(&mut self, key: &'static str) -> Result<Option<u32>, Error> {
        self.with(key, units::file_mode)
    }

    /// Check the keys nobody asked for: `x-` keys go to `extensions` (or `other` when the level has
    /// no extensions), keys in `untyped` go to `other` as JSON, anything else is an error.
    pub(crate) fn finish(
        self,
        untyped: &[&str],
        mut other: Option<&mut BTreeMap<String, serde_json::Value>>,
        mut extensions: Option<&mut Extensions>,
    ) -> Result<(), Error> {
        for (k, v) in self.map {
            let key = self.cx.key(k, &self.path)?;
            if self.asked.contains(&key.as_str()) {
                continue;
            }
            if key.starts_with("x-") {
                if let Some(ext) = extensions.as_deref_mut() {
                    ext.insert(key, to_json(v));
                    continue;
                }
                if let Some(o) = other.as_deref_mut() {
                    o.insert(key, to_json(v));
                    continue;
                }
                // `x-` keys are free-form by definition; this level has nowhere to keep them.
                continue;
            } else if untyped.contains(&key.as_str()) {
                if let Some(o) = other.as_deref_mut() {
                    o.insert(key, to_json(v));
                    continue;
                }
                // A level without `other` accepts these keys and has nothing to keep them in.
                continue;
            }
            let known: Vec<&str> = self
                .asked
                .iter()
                .copied()
                .chain(untyped.iter().copied())
                .collect();
            return Err(self
                .cx
                .error(&self.path_of(&key), unknown_key(&key, &known)));
        }
        Ok(())
    }

    /// [`Fields::finish`] for a level whose schema allows no `x-` keys (an `env_file` entry): there
    /// an `x-` key is an unknown key, as compose says.
    pub(crate) fn finish_closed(self) -> Result<(), Error> {
        for (k, _) in self.map {
            let key = self.cx.key(k, &self.path)?;
            if !self.asked.contains(&key.as_str()) {
                return Err(self
                    .cx
                    .error(&self.path_of(&key), unknown_key(&key, &self.asked)));
            }
        }
        Ok(())
    }
}

/// Run `f` on the document `yaml` with a context whose errors point into `compose.yaml`.
#[cfg(test)]
pub(crate) fn with_doc<T>(yaml: &str, f: impl FnOnce(&Cx, &Value) -> T) -> T {
    let mut locator = Locator::default();
    locator.add(Path::new("compose.yaml"), yaml);
    let env: BTreeMap<String, String> = [("FROM_ENV", "env-value"), ("HOME", "/home/u")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let cx = Cx {
        locator: &locator,
        env: &env,
        project_dir: Path::new("/proj"),
        ports: Cell::new(0),
    };
    let doc: Value = serde_yaml::from_str(yaml).expect("test YAML parses");
    f(&cx, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_accessors_convert_and_report_paths() {
        with_doc(
            "a: 3\nb: \"true\"\nc: [x, 1]\nd: {k: v, n: 2, z: null}\ne: [K=V, BARE]\n",
            |cx, doc| {
                let mut f = Fields::new(cx, doc, "top").unwrap();
                assert_eq!(f.unsigned::<u32>("a").unwrap(), Some(3));
                assert_eq!(f.bool("b").unwrap(), Some(true));
                assert_eq!(f.strings("c").unwrap(), vec!["x", "1"]);
                let d = f.string_map("d").unwrap();
                assert_eq!(d.get("n").map(String::as_str), Some("2"));
                assert_eq!(d.get("z").map(String::as_str), Some(""));
                let e = cx
                    .optional_string_map(f.raw("e").unwrap(), "top.e")
                    .unwrap();
                assert_eq!(e.get("K"), Some(&Some("V".to_string())));
                assert_eq!(e.get("BARE"), Some(&None));
                assert!(f.finish(&[], None, None).is_ok());
            },
        );
    }

    #[test]
    fn wrong_types_name_the_path_and_line() {
        with_doc("a: 1\nlist: {not: list}\n", |cx, doc| {
            let mut f = Fields::new(cx, doc, "").unwrap();
            let err = f.strings("list").unwrap_err().to_string();
            assert_eq!(err, "compose.yaml:2: list: must be a list, not a mapping");
        });
    }

    #[test]
    fn finish_sorts_leftover_keys() {
        with_doc(
            "known: 1\nx-ext: {a: 1}\nspec_only: [1]\nimgae: x\n",
            |cx, doc| {
                let mut other = BTreeMap::new();
                let mut ext = BTreeMap::new();
                let mut f = Fields::new(cx, doc, "services.web").unwrap();
                f.string("known").unwrap();
                f.string("image").unwrap();
                let err = f
                    .finish(&["spec_only"], Some(&mut other), Some(&mut ext))
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("services.web.imgae: additional property \"imgae\" is not allowed (did you mean \"image\"?)"), "{err}");
                assert_eq!(ext.get("x-ext"), Some(&serde_json::json!({"a": 1})));
                assert_eq!(other.get("spec_only"), Some(&serde_json::json!([1])));
            },
        );
    }

    #[test]
    fn x_keys_are_accepted_where_there_is_nowhere_to_keep_them() {
        with_doc("x-note: hi\n", |cx, doc| {
            let f = Fields::new(cx, doc, "p").unwrap();
            assert!(f.finish(&[], None, None).is_ok());
        });
    }
}
