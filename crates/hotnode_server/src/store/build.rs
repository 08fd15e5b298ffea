//! Building a stored module: the transform (through the disk cache), the resolution of every
//! string specifier, and the payload serialized once.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use hotnode_transform::{JsxSettings, ModuleFormat, TransformOptions, plan_refresh, transform};

use super::{Caching, LoadError, ModuleStore, StoredModule};
use crate::protocol::{FailureKind, ModulePayload, RefreshPayload, TargetJson};
use crate::resolve::{ImportKind, Target, file_url};
use crate::transform_cache::CacheKey;

impl ModuleStore {
    /// `previous`: the version the app runs, when this is a save of it (for a refresh plan).
    pub(super) fn build(
        &self,
        path: &Path,
        source: &str,
        caching: Caching,
        previous: Option<&Previous>,
    ) -> Result<StoredModule, LoadError> {
        let url = file_url(path);
        let mut options = TransformOptions::new(path, url.clone(), self.format_of(path));
        options.refresh = self.refresh;
        let detects =
            if options.format == ModuleFormat::Cjs && matches!(path.extension().and_then(|e| e.to_str()), Some("js")) {
                self.resolver.detects_format(path)
            } else {
                None
            };
        options.detect_module = detects.is_some();
        let typeless = detects.flatten();
        self.apply_tsconfig(path, &mut options);
        // The key is only worked out where the cache is used: a save's re-read pays nothing for it.
        let key = match caching {
            Caching::Use => Some(CacheKey::of(source, &options)),
            Caching::Skip => None,
        };
        let out = match key.and_then(|key| self.cache.get(key)) {
            Some(out) => out,
            None => {
                // A panic in the transform on some input must not take the session down with it.
                let out = std::panic::catch_unwind(|| transform(source, &options))
                    .map_err(|panic| LoadError::Internal { path: path.to_path_buf(), message: panic_message(&*panic) })?
                    .map_err(|error| LoadError::Transform { path: path.to_path_buf(), error })?;
                if let Some(key) = key {
                    self.cache.put(key, &out);
                }
                out
            }
        };

        let mut deps = BTreeMap::new();
        let mut names = BTreeMap::new();
        let mut static_deps = Vec::new();
        let mut missing = Vec::new();
        let mut named = Vec::new();
        let facts = &out.facts;
        // `import` in a CommonJS-format module is a `require` (TypeScript's CommonJS output).
        let import_kind = if out.format == ModuleFormat::CjsInterop { ImportKind::Require } else { ImportKind::Import };
        let imports = facts.imports.iter().map(|i| (i.specifier.as_str(), import_kind, true));
        let requires = facts.requires.iter().map(|s| (s.as_str(), ImportKind::Require, true));
        let lazy = facts
            .dynamic_imports
            .iter()
            .chain(&facts.hot_specifiers)
            .chain(&facts.meta_resolves)
            .chain(facts.source_phase.iter().flat_map(|phase| &phase.imports))
            .map(|s| (s.as_str(), ImportKind::Import, false));
        for (specifier, kind, is_static) in imports.chain(requires).chain(lazy) {
            if deps.contains_key(specifier) {
                continue;
            }
            let target = self.resolver.resolve(path, specifier, kind);
            if let (Target::App(dep), true) = (&target, is_static)
                && !static_deps.contains(dep)
            {
                static_deps.push(dep.clone());
            }
            if matches!(target, Target::Missing(_)) {
                missing.push(self.resolver.missing_location(path, specifier));
            } else if specifier.starts_with("./") || specifier.starts_with("../") {
                named.push(self.resolver.missing_location(path, specifier));
            }
            deps.insert(specifier.to_string(), target_json(target));
        }
        let mut attributes = BTreeMap::new();
        for import in &facts.imports {
            names.insert(import.specifier.clone(), import.names.clone());
            if !import.attributes.is_empty() {
                attributes.insert(import.specifier.clone(), import.attributes.clone());
            }
        }
        let code_hash = code_hash(&out.code);
        // Only the edited module's two versions are compared: the cost of a save, not of the app.
        let refresh = previous.filter(|p| p.format == out.format).and_then(|previous| {
            let plan = plan_refresh(&previous.code, &out.code, out.format)?;
            Some(RefreshPayload { from: previous.code_hash.clone(), chunks: plan.chunks })
        });
        let id = path.to_string_lossy();
        let payload = ModulePayload {
            code_hash: &code_hash,
            refresh: refresh.as_ref(),
            id: &id,
            url: &url,
            format: out.format,
            code: &out.code,
            deps: &deps,
            names: &names,
            exports: &facts.exports,
            is_async: facts.top_level_await,
            attributes: &attributes,
            typeless_package: typeless
                .as_deref()
                .filter(|_| out.format == ModuleFormat::Esm)
                .map(|p| p.to_string_lossy()),
            source_phase: facts.source_phase.as_ref(),
        };
        let json: Arc<str> = serde_json::to_string(&payload).expect("payloads serialize").into();
        Ok(StoredModule { json, static_deps, missing, named, hash: content_hash(source) })
    }

    fn format_of(&self, path: &Path) -> ModuleFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("mjs" | "mts") => ModuleFormat::Esm,
            Some("cjs" | "cts") => ModuleFormat::Cjs,
            Some("json") => ModuleFormat::Json,
            _ if self.resolver.package_is_esm(path) => ModuleFormat::Esm,
            _ => ModuleFormat::Cjs,
        }
    }

    fn apply_tsconfig(&self, path: &Path, options: &mut TransformOptions) {
        let Some(tsconfig) = self.resolver.tsconfig_for(path) else {
            return;
        };
        let c = &tsconfig.compiler_options;
        options.legacy_decorators = c.experimental_decorators.unwrap_or(false);
        options.decorator_metadata = c.emit_decorator_metadata.unwrap_or(false);
        options.jsx = JsxSettings {
            classic: c.jsx.as_deref() == Some("react"),
            development: c.jsx.as_deref() == Some("react-jsxdev"),
            factory: c.jsx_factory.clone(),
            fragment_factory: c.jsx_fragment_factory.clone(),
            import_source: c.jsx_import_source.clone(),
        };
    }
}

fn target_json(target: Target) -> TargetJson {
    match target {
        Target::App(path) => TargetJson::App { id: path.to_string_lossy().into_owned() },
        Target::External(external) => TargetJson::External { external },
        Target::Missing(error) => TargetJson::Error { error, kind: FailureKind::NotFound },
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

pub(super) fn content_hash(source: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut hasher);
    hasher.finish()
}

/// The hash a refresh plan names the version it was made from by (see `runtime/refresh.mjs`).
fn code_hash(code: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(code.as_bytes()))
}

/// The stored version of a module, as the runtime has it.
pub(super) struct Previous {
    code: String,
    code_hash: String,
    format: ModuleFormat,
}

impl Previous {
    pub(super) fn of(stored: &StoredModule) -> Option<Previous> {
        #[derive(serde::Deserialize)]
        struct Code {
            code: String,
            #[serde(rename = "codeHash")]
            code_hash: String,
            format: ModuleFormat,
        }
        let Code { code, code_hash, format } = serde_json::from_str(&stored.json).ok()?;
        Some(Previous { code, code_hash, format })
    }
}
