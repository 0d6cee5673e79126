//! The load test's report: its rows second by second, the picture of a run over time and its
//! table.

use super::*;

/// The picture: message round trips per second (p50/p99), clients connected and the presence
/// fan-out per second (what the latency spikes line up with), and the round-trip histogram.
pub(super) fn picture(
    path: &Path,
    timeline: &[Second],
    hist: Option<&Histogram<u64>>,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1000, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, rest) = root.split_vertically(350);
    let (middle, bottom) = rest.split_vertically(320);
    let ms = |us: u64| us as f64 / 1000.0;
    let with_messages = || timeline.iter().filter(|s| s.messages > 0);
    let p50: Vec<(f64, f64)> = with_messages()
        .map(|s| (s.second as f64, ms(s.message_p50_us)))
        .collect();
    let p99: Vec<(f64, f64)> = with_messages()
        .map(|s| (s.second as f64, ms(s.message_p99_us)))
        .collect();
    let x_max = timeline
        .last()
        .map(|s| s.second as f64 + 1.0)
        .unwrap_or(1.0);
    let y_max = p99.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption("message round trip over time (ms)", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("ms")
        .draw()?;
    chart
        .draw_series(LineSeries::new(p50, &BLUE))?
        .label("p50")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(p99, &RED))?
        .label("p99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let clients_max = timeline
        .iter()
        .map(|s| s.connected)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let lists_max = timeline
        .iter()
        .map(|s| s.presence_lists)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut chart = ChartBuilder::on(&middle)
        .caption(
            "clients connected, and online lists decoded per second",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .right_y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..clients_max * 1.1)?
        .set_secondary_coord(0.0..x_max, 0.0..lists_max * 1.1);
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("clients")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("lists / s")
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            timeline
                .iter()
                .map(|s| (s.second as f64, s.connected as f64)),
            &BLACK,
        ))?
        .label("clients")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    chart
        .draw_secondary_series(LineSeries::new(
            timeline
                .iter()
                .map(|s| (s.second as f64, s.presence_lists as f64)),
            &GREEN,
        ))?
        .label("online lists / s")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let buckets: Vec<(u32, u32)> = match hist {
        Some(h) => {
            let max_ms = (ms(h.value_at_quantile(0.999)).ceil() as u32).max(1);
            let width = (max_ms / 40).max(1);
            let mut counts = vec![0u32; (max_ms / width + 1) as usize];
            for v in h.iter_recorded() {
                let b = ((ms(v.value_iterated_to()) as u32) / width).min(counts.len() as u32 - 1);
                counts[b as usize] += v.count_at_value() as u32;
            }
            counts
                .into_iter()
                .enumerate()
                .map(|(i, c)| (i as u32 * width, c))
                .collect()
        }
        None => vec![],
    };
    let x_top = buckets.last().map(|b| b.0 + 1).unwrap_or(1);
    let y_top = buckets.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let width = buckets.get(1).map(|b| b.0).unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(&bottom)
        .caption("message round trip histogram", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0u32..x_top + width, 0u32..y_top + y_top / 10 + 1)?;
    chart
        .configure_mesh()
        .x_desc("ms")
        .y_desc("messages")
        .draw()?;
    chart.draw_series(
        buckets
            .iter()
            .map(|(x, c)| Rectangle::new([(*x, 0), (*x + width, *c)], BLUE.mix(0.6).filled())),
    )?;
    root.present()?;
    Ok(())
}

/// The report as a table.
pub fn table(r: &Report) -> String {
    let mut s = format!(
        "load: {} users + {} experts on seed 001, ramp {} s, run {} s (wall {:.0} s)\n",
        r.scenario.users,
        r.scenario.experts,
        r.scenario.ramp_secs,
        r.scenario.duration_secs,
        r.wall_secs
    );
    s.push_str(&format!(
        "connected {}  requests {}  sessions {}  messages {}  busy refusals {}\n",
        r.connected, r.requests, r.sessions, r.messages, r.busy_refusals
    ));
    let lists_peak = r
        .timeline
        .iter()
        .map(|s| s.presence_lists)
        .max()
        .unwrap_or(0);
    s.push_str(&format!(
        "presence fan-out: {} online lists decoded by the users (peak {} in one second)\n",
        r.presence_lists, lists_peak
    ));
    s.push_str(&format!(
        "memory: {:.0} KiB per client (RSS), peak {:.0} MiB\n",
        r.rss_per_client_bytes as f64 / 1024.0,
        r.rss_peak_bytes as f64 / 1048576.0
    ));
    s.push_str(&format!(
        "{:<16} {:>8} {:>10} {:>10} {:>10} {:>10}\n",
        "operation", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
    ));
    for l in &r.latencies {
        let ms = |us: u64| us as f64 / 1000.0;
        s.push_str(&format!(
            "{:<16} {:>8} {:>10.2} {:>10.2} {:>10.2} {:>10.2}\n",
            l.kind,
            l.count,
            ms(l.p50_us),
            ms(l.p90_us),
            ms(l.p99_us),
            ms(l.max_us)
        ));
    }
    if r.errors.is_empty() {
        s.push_str("errors: none\n");
    } else {
        s.push_str("errors:\n");
        for (k, n) in &r.errors {
            s.push_str(&format!("  {k:<28} {n}\n"));
        }
    }
    s
}

/// Per-second rows from the monitor's samples and the per-second message histograms.
pub(super) fn timeline_of(
    samples: &BTreeMap<u64, (u64, u64)>,
    messages: &BTreeMap<u64, Histogram<u64>>,
) -> Vec<Second> {
    let mut lists_before = 0;
    let last = samples.keys().next_back().copied().unwrap_or(0);
    // A second the monitor missed (a stalled machine) repeats the sample before it.
    (0..=last)
        .map(|second| {
            let (connected, lists) = samples
                .range(..=second)
                .next_back()
                .map(|(_, v)| *v)
                .unwrap_or((0, 0));
            let h = messages.get(&second);
            let q = |q: f64| h.map(|h| h.value_at_quantile(q)).unwrap_or(0);
            let row = Second {
                second,
                connected,
                presence_lists: lists.saturating_sub(lists_before),
                messages: h.map(|h| h.len()).unwrap_or(0),
                message_p50_us: q(0.5),
                message_p99_us: q(0.99),
            };
            lists_before = lists;
            row
        })
        .collect()
}
