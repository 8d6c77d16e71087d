//! Drawing a chart into SVG text or PNG bytes, with the embedded font.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{Chart, DrawError, Medium, SIZE};

/// DejaVu Sans 2.37 (see `reports/assets/fonts/LICENSE`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The font family every chart uses.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is a valid TrueType file"));
    });
}

/// The chart as an SVG document.
pub fn svg(chart: &impl Chart) -> Result<String, DrawError> {
    register_font();
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        area.fill(&WHITE)?;
        chart.draw(&area, Medium::Svg)?;
        area.present()?;
    }
    Ok(text)
}

/// The chart as a PNG file's bytes (8-bit RGB).
pub fn png(chart: &impl Chart) -> Result<Vec<u8>, DrawError> {
    register_font();
    let (width, height) = SIZE;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        area.fill(&WHITE)?;
        chart.draw(&area, Medium::Png)?;
        area.present()?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}
