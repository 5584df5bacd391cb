//! The app crate's layering, checked: `store` (what every feature shares) names no other
//! module of the crate, and no two top-level modules depend on each other, directly or
//! around a loop. A dependency is any `crate::<module>` path outside comments, `use`
//! groups (`crate::{a::…, b}`) included.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

use crate::{cmd::root, Result};

/// Modules that may name nothing else in the crate.
const FOUNDATIONS: [&str; 1] = ["store"];

type Graph = BTreeMap<String, BTreeSet<String>>;

pub fn check() -> Result {
    let graph = app_graph(&root().join("app/src"))?;
    let mut problems = Vec::new();
    for module in FOUNDATIONS {
        for used in graph.get(module).into_iter().flatten() {
            problems.push(format!("`{module}` must name no other module, but names `{used}`"));
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("import cycle: {}", cycle.join(" → ")));
    }
    if problems.is_empty() {
        println!("layers: {} modules, no cycle, `store` names no feature", graph.len());
        Ok(())
    } else {
        Err(format!("the app's layering is broken:\n  {}", problems.join("\n  ")))
    }
}

/// Each top-level module of the crate in `src` and the other modules its files name.
fn app_graph(src: &Path) -> Result<Graph> {
    let mut graph = Graph::new();
    for (path, text) in rust_files(src)? {
        let relative = path.strip_prefix(src).map_err(|e| e.to_string())?;
        let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy());
        let Some(module) = first.map(|name| name.trim_end_matches(".rs").to_owned()) else {
            continue;
        };
        if module == "lib" {
            continue; // the root declares every module
        }
        let used = graph.entry(module.clone()).or_default();
        used.extend(crate_paths(&text).into_iter().filter(|used| *used != module));
    }
    Ok(graph)
}

fn rust_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, String)>> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
            files.push((path, text));
        }
    }
    Ok(files)
}

/// The first segment of every `crate::` path in `source`, comments left out.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident =
            rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue; // `$crate::` in a macro is the same crate, but `foo_crate::` is not
        }
        if let Some(group) = rest.strip_prefix('{') {
            found.extend(group_heads(group));
        } else {
            found.extend(ident(rest));
        }
    }
    found
}

/// The first segment of each path in a `{…}` group, up to its closing brace.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let (mut depth, mut at_start) = (0, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_start = true,
            c if at_start && depth == 0 && !c.is_whitespace() => {
                at_start = false;
                heads.extend(ident(&group[i..]));
            }
            _ => {}
        }
    }
    heads
}

fn ident(text: &str) -> Option<String> {
    let name: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && name != "self").then_some(name)
}

/// A loop of dependencies, as the modules around it (the first repeated at the end).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit<'a>(
        graph: &'a Graph,
        module: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| *m == module) {
            let mut cycle: Vec<String> = path[start..].iter().map(|m| m.to_string()).collect();
            cycle.push(module.to_owned());
            return Some(cycle);
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(graph, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|module| visit(graph, module, &mut Vec::new(), &mut done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_groups_and_comments_are_read() {
        let source = "use crate::{\n    auth::{ssr::guard, Role},\n    error::AppError,\n};\n\
                      // crate::logs is only mentioned\n\
                      /// [`crate::support::X`] in a doc link\n\
                      fn f() { crate::time::now(); $crate::store::x(); other_crate::y(); }";
        let found: Vec<String> = crate_paths(source).into_iter().collect();
        assert_eq!(found, ["auth", "error", "store", "time"]);
    }

    #[test]
    fn a_loop_is_found_and_named() {
        let graph = |edges: &[(&str, &str)]| {
            let mut graph = Graph::new();
            for (from, to) in edges {
                graph.entry(from.to_string()).or_default().insert(to.to_string());
                graph.entry(to.to_string()).or_default();
            }
            graph
        };
        let layered = graph(&[("logs", "store"), ("logs", "auth"), ("auth", "store")]);
        assert_eq!(find_cycle(&layered), None);
        let looped = graph(&[("auth", "error"), ("error", "store"), ("store", "auth")]);
        assert_eq!(find_cycle(&looped).unwrap(), ["auth", "error", "store", "auth"]);
    }
}
