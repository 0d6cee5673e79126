//! The picture of a load run (SVG): the latency of requests, acceptances and messages over
//! time (p50 and p99, log scale, broken where a second had none), clients, errors and the
//! presence fan-out per second, and the message round trips' histogram on a log scale. Every
//! legend sits in a column of its own beside its chart, never over the data.

use super::codec::decode;
use super::model::{Report, Second};
use plotters::coord::Shift;
use plotters::prelude::*;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Fallible = Result<(), Box<dyn std::error::Error>>;

const LEGEND_WIDTH: u32 = 230;
/// (operation, its name in the picture, colour of p50, colour of p99).
const SERIES: [(&str, &str, RGBColor, RGBColor); 3] = [
    (
        "session_start",
        "request",
        RGBColor(31, 119, 180),
        RGBColor(158, 202, 225),
    ),
    (
        "accept_seen",
        "accept seen",
        RGBColor(44, 160, 44),
        RGBColor(161, 217, 155),
    ),
    (
        "message",
        "message round trip",
        RGBColor(214, 39, 40),
        RGBColor(252, 146, 114),
    ),
];

/// Draws `report` to `path`.
pub(super) fn picture(path: &std::path::Path, report: &Report) -> Fallible {
    let root = SVGBackend::new(path, (1100, 1400)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, rest) = root.split_vertically(420);
    let (clients, rest) = rest.split_vertically(300);
    let (usage, bottom) = rest.split_vertically(300);
    latency_over_time(&top, &report.timeline)?;
    load_over_time(&clients, &report.timeline)?;
    usage_over_time(&usage, &report.timeline)?;
    histogram(&bottom, report)?;
    root.present()?;
    Ok(())
}

fn x_max(timeline: &[Second]) -> f64 {
    timeline.last().map_or(1.0, |s| s.second as f64 + 1.0)
}

/// Runs of consecutive seconds that have `kind`, as (second, ms) points of `pick`.
fn runs(timeline: &[Second], kind: &str, pick: impl Fn(u64, u64) -> u64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut last: Option<u64> = None;
    for s in timeline {
        let Some(l) = s.latency.get(kind).filter(|l| l.count > 0) else {
            continue;
        };
        let point = (
            s.second as f64,
            (pick(l.p50_us, l.p99_us) as f64 / 1000.0).max(0.01),
        );
        match (last, out.last_mut()) {
            (Some(prev), Some(run)) if prev + 1 == s.second => run.push(point),
            _ => out.push(vec![point]),
        }
        last = Some(s.second);
    }
    out
}

fn latency_over_time(area: &Area<'_>, timeline: &[Second]) -> Fallible {
    let (plot, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let all: Vec<f64> = timeline
        .iter()
        .flat_map(|s| s.latency.values())
        .filter(|l| l.count > 0)
        .flat_map(|l| [l.p50_us as f64 / 1000.0, l.p99_us as f64 / 1000.0])
        .collect();
    let lo = all
        .iter()
        .copied()
        .fold(f64::MAX, f64::min)
        .clamp(0.01, 1.0)
        / 2.0;
    let hi = all.iter().copied().fold(1.0, f64::max) * 2.0;
    let mut chart = frame(&plot, "latency over time (ms, log scale)")
        .build_cartesian_2d(0.0..x_max(timeline), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("ms")
        .draw()?;
    let mut entries = Vec::new();
    for (kind, name, p50_colour, p99_colour) in SERIES {
        for (which, colour, pick) in [
            ("p99", p99_colour, (|_, p99| p99) as fn(u64, u64) -> u64),
            ("p50", p50_colour, (|p50, _| p50) as fn(u64, u64) -> u64),
        ] {
            for run in runs(timeline, kind, pick) {
                if run.len() == 1 {
                    chart.draw_series(run.iter().map(|p| Circle::new(*p, 2, colour.filled())))?;
                } else {
                    chart.draw_series(LineSeries::new(run, colour.stroke_width(2)))?;
                }
            }
            entries.push((format!("{name} {which}"), colour));
        }
    }
    legend(&legend_area, &entries)
}

fn load_over_time(area: &Area<'_>, timeline: &[Second]) -> Fallible {
    let (plot, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let clients_max = timeline
        .iter()
        .map(|s| s.connected)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let per_second_max = timeline
        .iter()
        .map(|s| s.presence_lists)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut chart = frame(
        &plot,
        "clients connected, and online lists decoded per second",
    )
    .right_y_label_area_size(60)
    .build_cartesian_2d(0.0..x_max(timeline), 0.0..clients_max * 1.1)?
    .set_secondary_coord(0.0..x_max(timeline), 0.0..per_second_max * 1.1);
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("clients")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("per second")
        .draw()?;
    chart.draw_series(LineSeries::new(
        timeline
            .iter()
            .map(|s| (s.second as f64, s.connected as f64)),
        BLACK.stroke_width(2),
    ))?;
    chart.draw_secondary_series(LineSeries::new(
        timeline
            .iter()
            .map(|s| (s.second as f64, s.presence_lists as f64)),
        &GREEN,
    ))?;
    legend(
        &legend_area,
        &[
            ("clients connected".to_owned(), BLACK),
            ("online lists / s".to_owned(), GREEN),
        ],
    )
}

/// Which side limits the run: the generator's CPU and the server's event loop (a Node server
/// has one: at 1 it has no time left), with the errors of each second.
fn usage_over_time(area: &Area<'_>, timeline: &[Second]) -> Fallible {
    let (plot, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let cores_max = timeline
        .iter()
        .map(|s| s.generator_cores)
        .fold(1.0, f64::max);
    let errors_max = timeline.iter().map(|s| s.errors).max().unwrap_or(1).max(1) as f64;
    let mut chart = frame(&plot, "generator CPU, server event loop, errors per second")
        .right_y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max(timeline), 0.0..cores_max * 1.1)?
        .set_secondary_coord(0.0..x_max(timeline), 0.0..errors_max * 1.1);
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("cores / busy")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("errors / s")
        .draw()?;
    chart.draw_secondary_series(timeline.iter().filter(|s| s.errors > 0).map(|s| {
        let x = s.second as f64;
        Rectangle::new(
            [(x, 0.0), (x + 0.8, s.errors as f64)],
            RED.mix(0.5).filled(),
        )
    }))?;
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);
    chart.draw_series(LineSeries::new(
        timeline
            .iter()
            .map(|s| (s.second as f64, s.generator_cores)),
        blue.stroke_width(2),
    ))?;
    let server: Vec<(f64, f64)> = timeline
        .iter()
        .filter_map(|s| s.server_loop.map(|u| (s.second as f64, u)))
        .collect();
    chart.draw_series(LineSeries::new(server, orange.stroke_width(2)))?;
    legend(
        &legend_area,
        &[
            ("generator CPU (cores)".to_owned(), blue),
            ("server event loop busy".to_owned(), orange),
            ("errors / s".to_owned(), RED),
        ],
    )
}

/// Message round trips by latency, in bins a tenth of a decade wide on a log axis.
fn histogram(area: &Area<'_>, report: &Report) -> Fallible {
    let (plot, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let hist = report
        .histograms
        .get("message")
        .and_then(|h| decode(h).ok());
    let mut bins = std::collections::BTreeMap::<i32, u64>::new();
    if let Some(h) = &hist {
        for v in h.iter_recorded() {
            let ms = (v.value_iterated_to() as f64 / 1000.0).max(0.001);
            *bins.entry((ms.log10() * 10.0).floor() as i32).or_insert(0) += v.count_at_value();
        }
    }
    let edge = |bin: i32| 10f64.powf(bin as f64 / 10.0);
    let lo = bins.keys().next().map_or(0.1, |b| edge(*b - 1));
    let hi = bins.keys().next_back().map_or(1000.0, |b| edge(*b + 2));
    let top = bins.values().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = frame(&plot, "message round trips by latency (ms, log scale)")
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..top)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(240, 240, 240))
        .x_desc("ms")
        .y_desc("messages")
        .draw()?;
    chart.draw_series(bins.iter().map(|(bin, count)| {
        Rectangle::new(
            [(edge(*bin), 0.0), (edge(*bin + 1), *count as f64)],
            RGBColor(214, 39, 40).mix(0.7).filled(),
        )
    }))?;
    let total = hist.as_ref().map_or(0, |h| h.len());
    legend(
        &legend_area,
        &[(format!("{total} round trips"), RGBColor(214, 39, 40))],
    )
}

/// A chart's frame as every chart of the picture has it: its title, margins and axis room.
fn frame<'a, 'b>(plot: &'a Area<'b>, title: &str) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(plot);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(60);
    builder
}

/// A legend in its own column: a swatch and a name per entry.
fn legend(area: &Area<'_>, entries: &[(String, RGBColor)]) -> Fallible {
    for (i, (name, colour)) in entries.iter().enumerate() {
        let y = 60 + 24 * i as i32;
        area.draw(&Rectangle::new([(10, y - 6), (34, y + 6)], colour.filled()))?;
        area.draw(&Text::new(
            name.clone(),
            (42, y - 8),
            ("sans-serif", 15).into_font(),
        ))?;
    }
    Ok(())
}
