//! Header rows of CSV formats with named columns: which column is where, with errors that name
//! the unknown, missing or repeated column.

use crate::error::{Location, TraceError};

/// A format's columns: name and whether it is required.
pub(crate) type ColumnSpec = [(&'static str, bool)];

/// Maps each column of `spec` to its position in `header` (`None`: an optional column that is
/// absent). Columns starting with `x_` are the user's own and ignored; any other unknown column
/// is an error that suggests the nearest known name.
pub(crate) fn map_header(
    file: &str,
    header: &csv::StringRecord,
    spec: &ColumnSpec,
) -> Result<Vec<Option<usize>>, TraceError> {
    let at = Location { file, line: 1 };
    let mut columns = vec![None; spec.len()];
    for (position, name) in header.iter().map(str::trim).enumerate() {
        if name.starts_with("x_") {
            continue;
        }
        let Some(i) = spec.iter().position(|(c, _)| *c == name) else {
            let nearest = spec
                .iter()
                .map(|(c, _)| *c)
                .min_by_key(|c| strsim::levenshtein(c, name))
                .expect("every format has columns");
            return Err(at.row(format!(
                "unknown column `{name}` (did you mean `{nearest}`? columns of your own must start with `x_`)"
            )));
        };
        if columns[i].replace(position).is_some() {
            return Err(at.row(format!("column `{name}` appears twice")));
        }
    }
    let missing: Vec<&str> = spec
        .iter()
        .zip(&columns)
        .filter(|((_, required), found)| *required && found.is_none())
        .map(|((name, _), _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(at.row(format!("missing required column(s): {}", missing.join(", "))));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: [(&str, bool); 3] = [("a", true), ("bb", true), ("c", false)];

    fn map(header: &[&str]) -> Result<Vec<Option<usize>>, String> {
        map_header("f.csv", &csv::StringRecord::from(header.to_vec()), &SPEC).map_err(|e| e.to_string())
    }

    #[test]
    fn maps_in_any_order_and_ignores_own_columns() {
        assert_eq!(map(&["bb", "x_note", "a"]), Ok(vec![Some(2), Some(0), None]));
    }

    #[test]
    fn unknown_missing_and_repeated_columns_are_named() {
        assert_eq!(
            map(&["a", "bx"]),
            Err("f.csv:1: unknown column `bx` (did you mean `bb`? columns of your own must start with `x_`)".into())
        );
        assert_eq!(map(&["c"]), Err("f.csv:1: missing required column(s): a, bb".into()));
        assert_eq!(map(&["a", "a"]), Err("f.csv:1: column `a` appears twice".into()));
    }
}
