//! A scene's synth graph (the checked AST of `scene::graph`) built into a fundsp network: one
//! output, one input per named graph input (in the order of `Synth::inputs`), each fed by the
//! engine from a smoothed parameter. Built on the main thread when a voice starts; the engine
//! only runs it.

use fundsp::audiounit::AudioUnit;
use fundsp::net::{Net, NodeId};
use fundsp::prelude::{bandpass, dc, highpass, lowpass, pass, pink, saw, sine, square, triangle, white};

use crate::scene::graph::{BinOp, Filter, Graph, Noise, Oscillator};

/// The graph as a fundsp unit with `inputs.len()` inputs and one output. Input names not in
/// `inputs` (validation rules them out) read as 0.
pub fn build(graph: &Graph, inputs: &[String]) -> Box<dyn AudioUnit> {
    let mut net = Net::new(inputs.len(), 1);
    let out = node(&mut net, graph, inputs);
    net.connect_output(out, 0, 0);
    Box::new(net)
}

/// Push the nodes of `g`; returns the node whose output 0 is `g`'s signal.
fn node(net: &mut Net, g: &Graph, inputs: &[String]) -> NodeId {
    match g {
        Graph::Number(x) => net.push(Box::new(dc(*x))),
        Graph::Input(name) => {
            let id = net.push(Box::new(pass()));
            match inputs.iter().position(|n| n == name) {
                Some(i) => net.connect_input(i, id, 0),
                None => {
                    let zero = net.push(Box::new(dc(0.0)));
                    net.connect(zero, 0, id, 0);
                }
            }
            id
        }
        Graph::Oscillator(kind, freq) => {
            let unit: Box<dyn AudioUnit> = match kind {
                Oscillator::Sine => Box::new(sine::<f32>()),
                Oscillator::Saw => Box::new(saw()),
                Oscillator::Square => Box::new(square()),
                Oscillator::Triangle => Box::new(triangle()),
            };
            let osc = net.push(unit);
            let f = node(net, freq, inputs);
            net.connect(f, 0, osc, 0);
            osc
        }
        Graph::Noise(Noise::White) => net.push(Box::new(white())),
        Graph::Noise(Noise::Pink) => net.push(Box::new(pink::<f32>())),
        Graph::Filter { kind, signal, cutoff, q } => {
            let unit: Box<dyn AudioUnit> = match kind {
                Filter::Lowpass => Box::new(lowpass::<f32>()),
                Filter::Highpass => Box::new(highpass::<f32>()),
                Filter::Bandpass => Box::new(bandpass::<f32>()),
            };
            let f = net.push(unit);
            for (port, child) in [signal, cutoff, q].into_iter().enumerate() {
                let c = node(net, child, inputs);
                net.connect(c, 0, f, port);
            }
            f
        }
        Graph::Binary(op, a, b) => {
            let unit: Box<dyn AudioUnit> = match op {
                BinOp::Add => Box::new(pass() + pass()),
                BinOp::Sub => Box::new(pass() - pass()),
                BinOp::Mul => Box::new(pass() * pass()),
            };
            let n = net.push(unit);
            let (x, y) = (node(net, a, inputs), node(net, b, inputs));
            net.connect(x, 0, n, 0);
            net.connect(y, 0, n, 1);
            n
        }
        Graph::Neg(a) => {
            let n = net.push(Box::new(pass() * dc(-1.0)));
            let x = node(net, a, inputs);
            net.connect(x, 0, n, 0);
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, inputs: &[(&str, f32)], frames: usize) -> Vec<f32> {
        let parsed = crate::scene::graph::parse_graph(text).expect("graph");
        let names: Vec<String> = inputs.iter().map(|(n, _)| n.to_string()).collect();
        let mut unit = build(&parsed.graph, &names);
        unit.set_sample_rate(48_000.0);
        unit.allocate();
        let values: Vec<f32> = inputs.iter().map(|(_, v)| *v).collect();
        (0..frames)
            .map(|_| {
                let mut out = [0.0f32];
                unit.tick(&values, &mut out);
                out[0]
            })
            .collect()
    }

    /// `sine(freq) * 0.5` with freq = 440: amplitude 0.5 and 440 zero crossings up in a second.
    #[test]
    fn a_sine_graph_sounds_at_its_input_frequency() {
        let s = run("sine(freq) * 0.5", &[("freq", 440.0)], 48_000);
        let peak = s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 1e-3, "peak {peak}");
        let ups = s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!((439..=441).contains(&ups), "{ups} upward zero crossings");
    }

    /// A lowpass far below a noise source's band takes most of its energy away.
    #[test]
    fn filters_and_constants_take_their_inputs() {
        let rms = |v: &[f32]| (v.iter().map(|x| x * x).sum::<f32>() / v.len() as f32).sqrt();
        let open = run("noise() >> lowpass(20000, 0.7)", &[], 48_000);
        let shut = run("noise() >> lowpass(cutoff, 0.7)", &[("cutoff", 50.0)], 48_000);
        assert!(rms(&shut) < rms(&open) * 0.2, "{} vs {}", rms(&shut), rms(&open));
        // -(n * 0 + 2) * 0.5 - 0 with n noise: a constant -1, built from every operator.
        let neg = run("-(noise() * 0 + 2) * 0.5 - 0", &[], 4);
        assert!(neg.iter().all(|v| (*v + 1.0).abs() < 1e-6), "{neg:?}");
    }
}
