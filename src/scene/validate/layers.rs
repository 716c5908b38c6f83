//! `[[layers]]`: shader, image and solid layers; bindings from parameters to uniforms; shader
//! compilation and image decoding (shared with other layers through the context's caches).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_spanned::Spanned;

use super::super::diag::{Diagnostic, did_you_mean};
use super::super::file::{BindValue, Blend, Fit, Scale};
use super::super::load::{At, FileId, io_reason};
use super::super::model::*;
use super::super::shader;
use super::super::source::resolve;
use super::{Ctx, MAX_TEXTURE, bad_identifier, check_size};

/// Every layer that checks out.
pub(super) fn check(cx: &mut Ctx, params: &[ParamDef]) -> Vec<Layer> {
    let parsed = cx.parsed;
    let mut layers: Vec<Layer> = Vec::new();
    // Every named layer, whether it compiled or not: a duplicate name is its own problem.
    let mut named: Vec<(String, FileId, Range<usize>)> = Vec::new();
    for At { file, span, value: l, broken } in &parsed.layers {
        let file = *file;
        let Some(lname) = &l.name else {
            cx.err(
                file,
                span.clone(),
                "layer has no `name`",
                "add `name = \"...\"`: cues, logs and the console refer to layers by name".to_string(),
            );
            continue;
        };
        let n = lname.get_ref().clone();
        cx.context = format!(" in layer `{n}`");
        if let Some((_, ff, fs)) = named.iter().find(|(q, _, _)| *q == n).cloned() {
            let (ln, c) = parsed.sources[ff].line_col(fs.start);
            cx.err(
                file,
                lname.span(),
                format!("layer name `{n}` is used twice"),
                format!("first used at {}:{ln}:{c}; layer names must be unique", parsed.sources[ff].path.display()),
            );
        } else {
            named.push((n.clone(), file, lname.span()));
        }
        let here = &parsed.sources[file].path;

        // Bindings: uniform name → parameter.
        let mut uniforms = Vec::new();
        let mut bindings = Vec::new();
        for (u, p) in &l.bind {
            let un = u.get_ref();
            let why = bad_identifier(un).or_else(|| {
                if un.starts_with('_') || un.starts_with("quai") {
                    Some("names starting with `_` or `quai` are reserved for quai")
                } else if PRELUDE_NAMES.contains(&un.as_str()) || !shader::is_member_name(un) {
                    Some("it is a WGSL keyword or reserved word, or a name the prelude uses")
                } else {
                    None
                }
            });
            if let Some(why) = why {
                cx.err(
                    file,
                    u.span(),
                    format!("`{un}` cannot be a shader uniform name"),
                    format!("{why}; use letters, digits and _, starting with a letter, e.g. `speed` or `glow_amount`"),
                );
                continue;
            }
            let pname = match p.get_ref() {
                BindValue::Constant(c) if c.is_finite() => {
                    uniforms.push(un.clone());
                    bindings.push(Binding::Constant(*c as f32));
                    continue;
                }
                BindValue::Constant(c) => {
                    cx.err(file, p.span(), format!("constant {c} for uniform `{un}` is not a finite number"), None);
                    continue;
                }
                BindValue::Param(pname) => pname,
            };
            match params.iter().position(|q| &q.name == pname) {
                Some(id) => {
                    uniforms.push(un.clone());
                    bindings.push(Binding::Param(ParamId(id)));
                }
                None => {
                    let hint = did_you_mean(pname, params.iter().map(|q| q.name.as_str())).unwrap_or_else(|| {
                        format!("declare it under [params.{pname}], or bind a constant: {un} = 1.0")
                    });
                    cx.err(file, p.span(), format!("layer `{n}` binds unknown parameter `{pname}`"), hint);
                    // Still a uniform of the layer, so the shader is not also told it is unbound
                    // (the load fails on the error above anyway).
                    uniforms.push(un.clone());
                    bindings.push(Binding::Constant(0.0));
                }
            }
        }

        let image = l.image.as_ref().and_then(|img| load_image(cx, file, img, here));
        let (kind, program) = match (&l.shader, &l.image, &l.color) {
            (Some(s), _, _) => {
                let p = resolve(here, s.get_ref());
                let prog = compile_file(cx, file, s, &p, &uniforms);
                (LayerKind::Shader(p), prog)
            }
            (None, Some(img), _) => {
                let prog = builtin(cx, "shaders/builtin/image.wgsl", shader::IMAGE, &uniforms);
                (LayerKind::Image(resolve(here, img.get_ref())), prog)
            }
            (None, None, Some(_)) => {
                (LayerKind::Solid, builtin(cx, "shaders/builtin/solid.wgsl", shader::SOLID, &uniforms))
            }
            // A draw key that was already reported as broken: no second, misleading error.
            (None, None, None) if broken.iter().any(|k| ["shader", "image", "color"].contains(&k.as_str())) => {
                (LayerKind::Solid, None)
            }
            (None, None, None) => {
                cx.err(
                    file,
                    lname.span(),
                    format!("layer `{n}` has nothing to draw"),
                    "give it `shader = \"x.wgsl\"`, `image = \"x.png\"` or `color = \"#rrggbb\"`".to_string(),
                );
                (LayerKind::Solid, None)
            }
        };
        if let Some(fit) = &l.fit
            && (l.shader.is_some() || l.image.is_none())
        {
            let why =
                if l.shader.is_some() { "a shader layer samples its image itself" } else { "this layer has no image" };
            cx.err(file, fit.span(), format!("`fit` applies to image layers; {why}"), "remove `fit` here".to_string());
        }
        let opacity = l.opacity.as_ref().and_then(|o| cx.ranged(file, o, "opacity", 0.0, 1.0)).unwrap_or(1.0);
        let size =
            l.size.as_ref().and_then(|s| check_size(cx, file, s, "layer size")).map(|[w, h]| [w as f32, h as f32]);
        let position = match &l.position {
            Some(p) if p.get_ref().iter().all(|v| v.is_finite()) => p.get_ref().map(|v| v as f32),
            Some(p) => {
                cx.err(file, p.span(), "position must be finite numbers [x, y]", None);
                [0.0; 2]
            }
            None => [0.0; 2],
        };
        let scale = match &l.scale {
            Some(s) => {
                let Scale(v) = *s.get_ref();
                if v.iter().any(|x| !x.is_finite() || x.abs() > 1e4) {
                    cx.err(
                        file,
                        s.span(),
                        format!("scale {v:?} is out of range"),
                        "scale must be finite, within ±10000".to_string(),
                    );
                }
                v.map(|x| x as f32)
            }
            None => [1.0; 2],
        };
        let rotation =
            l.rotation.as_ref().and_then(|r| cx.ranged(file, r, "rotation", -36000.0, 36000.0)).unwrap_or(0.0);

        if let Some(program) = program {
            let image = if matches!(kind, LayerKind::Image(_)) && image.is_none() { continue } else { image };
            layers.push(Layer {
                name: n,
                kind,
                program,
                image,
                color: l.color.as_ref().map(|c| c.get_ref().0).unwrap_or([1.0; 4]),
                opacity,
                blend: l.blend.as_ref().map(|b| *b.get_ref()).unwrap_or(Blend::Normal),
                fit: l.fit.as_ref().map(|f| *f.get_ref()).unwrap_or(Fit::Contain),
                visible: l.visible.as_ref().map(|v| *v.get_ref()).unwrap_or(true),
                size,
                position,
                scale,
                rotation,
                bindings,
            });
        }
    }

    layers
}

fn compile_file(
    cx: &mut Ctx,
    file: FileId,
    at: &Spanned<String>,
    path: &Path,
    uniforms: &[String],
) -> Option<Arc<ShaderProgram>> {
    let key = (path.to_path_buf(), uniforms.to_vec());
    if let Some(p) = cx.programs.get(&key) {
        return p.clone();
    }
    cx.read.push(path.to_path_buf());
    let program = match cx.files.read(path).map(String::from_utf8) {
        Ok(Ok(body)) => compiled(cx, shader::compile(path, &body, uniforms)),
        Ok(Err(_)) => {
            cx.err(file, at.span(), format!("shader {} is not UTF-8 text", path.display()), None);
            None
        }
        Err(e) => {
            let msg = format!("cannot read shader {}: {}", path.display(), io_reason(&e));
            cx.err(file, at.span(), msg, "shader paths are relative to the scene file that names them".to_string());
            None
        }
    };
    cx.programs.insert(key, program.clone());
    program
}

fn compiled(cx: &mut Ctx, result: Result<ShaderProgram, Vec<Diagnostic>>) -> Option<Arc<ShaderProgram>> {
    match result {
        Ok(p) => Some(Arc::new(p)),
        Err(ds) => {
            cx.diags.extend(ds);
            None
        }
    }
}

fn builtin(cx: &mut Ctx, path: &str, body: &str, uniforms: &[String]) -> Option<Arc<ShaderProgram>> {
    let key = (PathBuf::from(path), uniforms.to_vec());
    if let Some(p) = cx.programs.get(&key) {
        return p.clone();
    }
    let program = compiled(cx, shader::compile(Path::new(path), body, uniforms));
    cx.programs.insert(key, program.clone());
    program
}

pub(super) fn load_image(cx: &mut Ctx, file: FileId, at: &Spanned<String>, here: &Path) -> Option<Arc<ImageData>> {
    let path = resolve(here, at.get_ref());
    if let Some(done) = cx.images.get(&path) {
        return done.clone();
    }
    cx.read.push(path.clone());
    // The previous version's image, if it came from this version of the file. The disk stamp is
    // taken before reading: a write in between leaves a stamp that no longer matches, so the next
    // reload decodes again (never the other way round). Without one, the bytes are compared.
    let reusable = |st: FileStamp| cx.reuse.iter().find(|i| i.path == path && i.source == st).cloned();
    let disk_stamp = cx.files.stamp(&path);
    let result = match disk_stamp.and_then(reusable) {
        Some(same) => Ok(same),
        None => match cx.files.read(&path) {
            Err(e) => Err((
                format!("cannot read image {}: {}", path.display(), io_reason(&e)),
                "image paths are relative to the scene file that names them".to_string(),
            )),
            // On disk the stamp was looked up already: the file changed.
            Ok(bytes) => match disk_stamp {
                Some(st) => decode_image(&path, &bytes, st),
                None => {
                    let st = FileStamp::of(&bytes);
                    reusable(st).map_or_else(|| decode_image(&path, &bytes, st), Ok)
                }
            },
        },
    };
    let image = match result {
        Ok(i) => Some(i),
        Err((msg, hint)) => {
            cx.err(file, at.span(), msg, hint);
            None
        }
    };
    cx.images.insert(path, image.clone());
    image
}

/// The image in `bytes`, decoded, stamped with the version of the file it came from.
fn decode_image(path: &Path, bytes: &[u8], source: FileStamp) -> Result<Arc<ImageData>, (String, String)> {
    match image::load_from_memory(bytes) {
        Err(e) => Err((format!("cannot decode image {}: {e}", path.display()), "use PNG or JPEG".to_string())),
        Ok(img) if img.width() > MAX_TEXTURE || img.height() > MAX_TEXTURE => Err((
            format!(
                "image {} is {}x{}, larger than {MAX_TEXTURE} pixels on a side",
                path.display(),
                img.width(),
                img.height()
            ),
            "scale it down; GPUs cannot hold larger textures".to_string(),
        )),
        Ok(img) => {
            let rgba = img.to_rgba8();
            Ok(Arc::new(ImageData {
                path: path.to_path_buf(),
                width: rgba.width(),
                height: rgba.height(),
                rgba: rgba.into_raw(),
                source,
            }))
        }
    }
}

/// Names the prelude declares at module scope; a uniform by the same name would be confusing.
const PRELUDE_NAMES: &[&str] = &["layer", "params"];
