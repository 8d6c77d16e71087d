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
