use super::*;

fn b(g: Graph) -> Box<Graph> {
    Box::new(g)
}

#[test]
fn parses_the_readme_example() {
    let p = parse_graph("sine(freq) * 0.3 >> lowpass(cutoff, 0.7)").expect("parses");
    let want = Graph::Filter {
        kind: Filter::Lowpass,
        signal: b(Graph::Binary(
            BinOp::Mul,
            b(Graph::Oscillator(Oscillator::Sine, b(Graph::Input("freq".into())))),
            b(Graph::Number(0.3)),
        )),
        cutoff: b(Graph::Input("cutoff".into())),
        q: b(Graph::Number(0.7)),
    };
    assert_eq!(p.graph, want);
    assert_eq!(p.inputs, vec![("freq".to_string(), 5..9), ("cutoff".to_string(), 28..34)]);
}

#[test]
fn precedence_and_parentheses() {
    let p = parse_graph("(saw(55) + -pink()) * 0.5 - 0.1 >> highpass(80, 0.7) >> bandpass(1e3, 2)").expect("parses");
    let Graph::Filter { kind: Filter::Bandpass, signal, cutoff, .. } = p.graph else { panic!("{:?}", p.graph) };
    assert_eq!(*cutoff, Graph::Number(1000.0));
    let Graph::Filter { kind: Filter::Highpass, signal, .. } = *signal else { panic!() };
    let Graph::Binary(BinOp::Sub, lhs, _) = *signal else { panic!() };
    assert!(matches!(*lhs, Graph::Binary(BinOp::Mul, ..)));
}

#[test]
fn errors_point_into_the_text() {
    let e = |t: &str| parse_graph(t).expect_err(t);
    let x = e("sine(freq) * 0.3 >> lowpas(cutoff, 0.7)");
    assert_eq!((x.message.as_str(), x.span.clone()), ("unknown function `lowpas`", 20..26));
    assert_eq!(x.hint.as_deref(), Some("did you mean `lowpass`?"));
    assert_eq!(e("sine(1, 2)").span, 8..9);
    assert_eq!(e("sine(1, 2)").message, "`sine` takes 1 argument, not 2");
    assert_eq!(e("noise(3)").message, "`noise` takes no arguments, not 1");
    assert_eq!(e("saw(1) >> sine(3)").message, "`sine` has no audio input: only filters can follow >>");
    assert_eq!(e("lowpass(100, 1)").span, 0..7);
    assert_eq!(e("sine(3").span, 0..4);
    assert_eq!(e("sine(3) *").span, 9..9);
    assert_eq!(e("sine(3) > lowpass(1, 1)").span, 8..9);
    assert_eq!(e("0.5 * 2").message, "the graph is a constant: it makes no sound");
    assert_eq!(e("sine 3").message, "`sine` is a function: it needs ( )");
    assert_eq!(e("sine(3) sine(4)").span, 8..12);
}
