// Calibration handles over a projector output: one square ring with a cross per instance, in clip
// space; the selected one larger and yellow.

struct Handles {
    // xy: centre (NDC), z: half size (NDC x), w: 1 = selected.
    items: array<vec4<f32>, 1023>,
    // x: aspect (target height / width)
    shape: vec4<f32>,
}

@group(0) @binding(0) var<uniform> handles: Handles;

struct HandleOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,
    @location(1) selected: f32,
}

@vertex
fn handle_vs(@builtin(vertex_index) i: u32, @builtin(instance_index) n: u32) -> HandleOut {
    var dx = array<f32, 6>(-1.0, 1.0, -1.0, 1.0, 1.0, -1.0);
    var dy = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let h = handles.items[n];
    let s = h.z * (1.0 + h.w);
    var out: HandleOut;
    out.position = vec4<f32>(h.x + dx[i] * s, h.y + dy[i] * s / handles.shape.x, 0.0, 1.0);
    out.local = vec2<f32>(dx[i], dy[i]);
    out.selected = h.w;
    return out;
}

@fragment
fn handle_fs(in: HandleOut) -> @location(0) vec4<f32> {
    let r = max(abs(in.local.x), abs(in.local.y));
    let ring = r > 0.6;
    let cross = abs(in.local.x) < 0.12 || abs(in.local.y) < 0.12;
    if !ring && !cross {
        discard;
    }
    if in.selected > 0.5 {
        return vec4<f32>(1.0, 0.85, 0.0, 1.0);
    }
    return vec4<f32>(0.0, 1.0, 0.4, 1.0);
}
