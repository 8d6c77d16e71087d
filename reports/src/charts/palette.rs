//! Series colours and markers: the Okabe–Ito palette, readable by colour-blind viewers.

use plotters::style::RGBColor;

/// Colours in the order series are given them (the first policy gets the first colour).
pub const COLOURS: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xb0, 0xa0, 0x20),
];

/// The colour of series `index` (the palette repeats after eight).
pub fn colour(index: usize) -> RGBColor {
    COLOURS[index % COLOURS.len()]
}

/// The colours kept for the most compared presets, so that a policy has the same colour in
/// every chart of every page (a comparison of three policies and a sweep of four alike).
const NAMED: [(&str, usize); 6] = [
    ("first-fit", 0),
    ("best-fit", 1),
    ("easy-backfill", 2),
    ("packed", 3),
    ("worst-fit", 4),
    ("conservative-backfill", 5),
];

/// The colour index of each of the series `names`: a preset's own colour, other names the
/// colours those leave free, in order (repeating once all eight are used).
pub fn colours_of<S: AsRef<str>>(names: &[S]) -> Vec<usize> {
    let named = |name: &str| NAMED.iter().find(|(n, _)| *n == name).map(|&(_, c)| c);
    let mut used: Vec<usize> = names.iter().filter_map(|n| named(n.as_ref())).collect();
    names
        .iter()
        .map(|name| {
            named(name.as_ref()).unwrap_or_else(|| {
                let free = (0..COLOURS.len()).find(|c| !used.contains(c)).unwrap_or(used.len());
                used.push(free);
                free
            })
        })
        .collect()
}

/// The stroke width of line `index` of `count` drawn in order: the earlier, the wider (2 px
/// for the last, 2 more per line after it, at most 7), so that a line drawn over another
/// that it coincides with leaves it showing as an outline.
pub fn stroke_width(index: usize, count: usize) -> u32 {
    let after = count.saturating_sub(index + 1) as u32;
    (2 + 2 * after).min(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_keep_their_colour_whatever_else_is_drawn() {
        // A comparison of three and a sweep of four: packed is colour 3 in both.
        assert_eq!(colours_of(&["first-fit", "packed", "easy-backfill"]), [0, 3, 2]);
        assert_eq!(
            colours_of(&["first-fit", "best-fit", "packed", "easy-backfill"]),
            [0, 1, 3, 2]
        );
        // Other names take the colours left free, in order.
        assert_eq!(colours_of(&["mine", "best-fit", "yours"]), [0, 1, 2]);
        // Past eight series, colours repeat rather than fail.
        let many: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
        assert_eq!(colours_of(&many), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn earlier_lines_are_wider() {
        assert_eq!([stroke_width(0, 3), stroke_width(1, 3), stroke_width(2, 3)], [6, 4, 2]);
        assert_eq!(stroke_width(0, 1), 2);
        assert_eq!(stroke_width(0, 8), 7);
    }
}
