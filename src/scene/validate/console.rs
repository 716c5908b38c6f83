//! `[console]`: the addresses parse, the two servers do not share one, and a token is long enough
//! to be worth having.

use std::net::SocketAddr;

use super::super::file::{ConsoleFile, Listen};
use super::super::load::At;
use super::super::model::ConsoleConf;
use super::Ctx;
use crate::input::osc::source::parse_bind;

/// The shortest token accepted: shorter ones are guessed by a script in minutes, rate limit or not.
pub const MIN_TOKEN: usize = 12;

pub(super) fn check(cx: &mut Ctx) -> Option<ConsoleConf> {
    let At { file, value, .. } = cx.parsed.console.as_ref()?;
    let (file, value): (_, &ConsoleFile) = (*file, value);
    let addr = |cx: &mut Ctx, l: &serde_spanned::Spanned<Listen>, what: &str| -> Option<SocketAddr> {
        let text = match l.get_ref() {
            Listen::Port(p) => p.to_string(),
            Listen::Text(t) => t.clone(),
        };
        match parse_bind(&text) {
            Ok(a) => Some(a),
            Err(_) => {
                cx.err(
                    file,
                    l.span(),
                    format!("{what} {text:?} is not a listening address"),
                    "write a port (8080: this machine only) or ADDR:PORT (\"0.0.0.0:8080\": every network)".to_string(),
                );
                None
            }
        }
    };
    let bind = value.bind.as_ref().and_then(|b| addr(cx, b, "bind"));
    let oscquery = value.oscquery.as_ref().and_then(|b| addr(cx, b, "oscquery"));
    if let (Some(b), Some(o), Some(at)) = (bind, oscquery, value.oscquery.as_ref())
        && b.port() == o.port()
        && b.port() != 0
    {
        cx.err(
            file,
            at.span(),
            format!("oscquery {o} uses the console's port"),
            "OSCQuery serves its own tree at `/`: give it a port of its own, e.g. the console's + 1".to_string(),
        );
    }
    let token = value.token.as_ref().and_then(|t| {
        let text = t.get_ref();
        if text.chars().count() < MIN_TOKEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            cx.err(
                file,
                t.span(),
                format!("the console token must be at least {MIN_TOKEN} characters, without spaces"),
                "pick a long random one, e.g. the output of `openssl rand -hex 16`; or leave it out of \
                 the file and set QUAI_TOKEN in the environment"
                    .to_string(),
            );
            return None;
        }
        Some(text.clone())
    });
    Some(ConsoleConf { bind, oscquery, token })
}
