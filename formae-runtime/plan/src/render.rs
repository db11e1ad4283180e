//! The plan as people read it, in Terraform's idiom: `+` create, `~` update in place,
//! `-/+` replace, `-` destroy, `(known after apply)`, and a closing count.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};
use serde_json::Value as Json;

use super::{Action, Change, Drift, DriftKind, FieldChange, Mode, Plan};
use crate::value::{Marked, Shown};

/// One attribute row: its name, before and after.
type Row = (String, Option<Shown>, Option<Shown>);

fn field_rows(fields: &[FieldChange]) -> Vec<Row> {
    fields.iter().map(|f| (f.path.clone(), f.before.as_ref().map(Marked::shown), f.after.as_ref().map(Marked::shown))).collect()
}

/// The entries of an object as shown.
fn entries(m: Option<&Marked>) -> Vec<(String, Shown)> {
    match m.map(Marked::shown) {
        Some(Shown::Map(entries)) => entries,
        _ => Vec::new(),
    }
}

/// Outputs, by name.
fn sorted(mut entries: Vec<(String, Shown)>) -> Vec<(String, Shown)> {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colours (only on a terminal).
    pub color: bool,
}

#[derive(Clone, Copy)]
enum Sign {
    Add,
    Change,
    Remove,
    Same,
}

struct Out {
    text: String,
    color: bool,
}

impl Out {
    fn sign(&self, sign: Sign) -> String {
        let (s, style) = match sign {
            Sign::Add => ("+", Style::new().green()),
            Sign::Change => ("~", Style::new().yellow()),
            Sign::Remove => ("-", Style::new().red()),
            Sign::Same => (" ", Style::new()),
        };
        if self.color {
            s.style(style).to_string()
        } else {
            s.to_owned()
        }
    }
    fn strong(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_owned()
        }
    }
    fn line(&mut self, s: &str) {
        self.text.push_str(s.trim_end());
        self.text.push('\n');
    }
}

/// Renders a plan as text.
pub fn render_text(plan: &Plan, opts: RenderOptions) -> String {
    let mut out = Out { text: String::new(), color: opts.color };
    render_drift_note(&mut out, plan);
    render_found(&mut out, plan);
    if !plan.has_changes() {
        out.line(&format!(
            "No changes. The resources of stack {} match its declaration.",
            plan.stack
        ));
        out.line("");
        render_protection(&mut out, plan);
        render_kept(&mut out, plan);
        render_outputs(&mut out, plan);
        return out.text;
    }
    out.line(&format!(
        "Stack {} ({} mode). Resource actions are indicated with the following symbols:",
        plan.stack,
        match plan.mode {
            Mode::Reconcile => "reconcile",
            Mode::Patch => "patch",
        }
    ));
    let first = |c: &Change| c.lifecycle.create_before_destroy;
    for (action, text, created_first) in [
        (Action::Create, "create", false),
        (Action::Update, "update in-place", false),
        (Action::Replace, "destroy and then create replacement", false),
        (Action::Replace, "create replacement and then destroy", true),
        (Action::Delete, "destroy", false),
    ] {
        if plan.changes.iter().any(|c| c.action == action && first(c) == created_first) {
            let sym = if created_first { replaced_first(&out) } else { symbol(&out, action) };
            out.line(&format!("{sym:>3} {text}"));
        }
    }
    out.line("");
    out.line("formae will perform the following actions:");
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        out.line("");
        render_change(&mut out, c);
    }
    out.line("");
    render_steps(&mut out, plan);
    render_protection(&mut out, plan);
    render_kept(&mut out, plan);
    render_outputs(&mut out, plan);
    let s = plan.summary;
    let line = format!("Plan: {} to add, {} to change, {} to destroy.", s.add, s.change, s.destroy);
    let line = out.strong(&line);
    out.line(&line);
    render_data_loss(&mut out, plan);
    out.text
}

/// The deletes that lose data, apart from the rest, last, where the question follows.
fn render_data_loss(out: &mut Out, plan: &Plan) {
    let losses = plan.data_loss();
    if losses.is_empty() {
        return;
    }
    out.line("");
    let head = out.strong("Data loss: these resources hold data, and this plan deletes it with them:");
    out.line(&head);
    for l in &losses {
        let sym = symbol(out, l.action);
        let what = if l.action == Action::Replace { "replaced: deleted, then created empty" } else { "deleted" };
        let allowed = if l.allowed { "; the stack allows it (#[allow_data_loss])" } else { "" };
        out.line(&format!("  {sym} {} ({}), {what}{allowed}", l.resource, l.type_name));
    }
    if losses.iter().any(|l| !l.allowed) {
        out.line("Applying this plan needs --allow-data-loss, even with --yes.");
    }
}

/// What a refresh found changed outside formae, as text.
pub fn render_drift(drift: &[Drift], opts: RenderOptions) -> String {
    let mut out = Out { text: String::new(), color: opts.color };
    drift_section(&mut out, drift);
    out.text
}

/// What changed outside formae, apart from what the code changes.
fn render_drift_note(out: &mut Out, plan: &Plan) {
    if plan.drift.is_empty() {
        return;
    }
    drift_section(out, &plan.drift);
    out.line("The plan below undoes these changes (reconcile restores what the stack declares).");
    out.line("Declare the change in the stack instead to keep it.");
    out.line("");
    out.line("─────────────────────────────────────────────────────────────────────────────");
    out.line("");
}

fn drift_section(out: &mut Out, drift: &[Drift]) {
    let head = out.strong("Note: objects have changed outside of formae");
    out.line(&head);
    out.line("");
    out.line("formae read the stack's resources back from the cloud and found these changes made outside of it since it last applied them:");
    for d in drift {
        out.line("");
        match &d.kind {
            DriftKind::Deleted => {
                let head = out.strong(&format!("  # {} has been deleted", d.resource));
                out.line(&head);
                let sym = out.sign(Sign::Remove);
                out.line(&format!("{sym:>3} resource \"{}\" {:?} {{ }}", d.type_name, d.resource));
            }
            DriftKind::Changed(fields) => {
                let head = out.strong(&format!("  # {} has changed", d.resource));
                out.line(&head);
                let sym = out.sign(Sign::Change);
                out.line(&format!("{sym:>3} resource \"{}\" {:?} {{", d.type_name, d.resource));
                render_rows(out, 6, &field_rows(fields), &[]);
                out.line("    }");
            }
        }
    }
    out.line("");
}

/// Resources to create that already exist: never taken over without being asked.
fn render_found(out: &mut Out, plan: &Plan) {
    if plan.found.is_empty() {
        return;
    }
    let head = out.strong("Already in the cloud");
    out.line(&head);
    for f in &plan.found {
        out.line("");
        let type_name = plan.change(&f.resource).map(|c| c.type_name.as_str()).unwrap_or_default();
        if f.owned {
            let head = out.strong(&format!("  # {} exists as {}, made by an earlier run of this stack", f.resource, f.cloud_id));
            out.line(&head);
            out.line("  # (it is adopted and brought to the declaration, not created again)");
        } else {
            let head = out.strong(&format!("  # {} exists as {}, and this stack did not make it", f.resource, f.cloud_id));
            out.line(&head);
            out.line(&format!(
                "  # (deploy refuses to take it over; `cargo xtask import {}` or deploy --adopt brings it under management, with these changes)",
                plan.stack
            ));
        }
        if f.fields.is_empty() {
            out.line("  # it already matches the declaration");
            continue;
        }
        let sym = out.sign(Sign::Change);
        out.line(&format!("{sym:>3} resource \"{type_name}\" \"{}\" {{", f.resource));
        render_rows(out, 6, &field_rows(&f.fields), &[]);
        out.line("    }");
    }
    out.line("");
}

/// A replacement whose new resource is created before the old one goes.
fn replaced_first(out: &Out) -> String {
    format!("{}/{}", out.sign(Sign::Add), out.sign(Sign::Remove))
}

/// Protection turned on or off: recorded by the apply, whatever else it does.
fn render_protection(out: &mut Out, plan: &Plan) {
    let turned: Vec<&Change> = plan.changes.iter().filter(|c| c.lifecycle.protection_changes).collect();
    if turned.is_empty() {
        return;
    }
    out.line("Protection (recorded by the apply):");
    for c in turned {
        let how = if c.lifecycle.protected { "becomes protected" } else { "is no longer protected" };
        out.line(&format!("  {} {how}", c.resource));
    }
    out.line("");
}

fn symbol(out: &Out, action: Action) -> String {
    match action {
        Action::Create => out.sign(Sign::Add),
        Action::Update => out.sign(Sign::Change),
        Action::Delete => out.sign(Sign::Remove),
        Action::Replace => format!("{}/{}", out.sign(Sign::Remove), out.sign(Sign::Add)),
        Action::NoOp => " ".to_owned(),
    }
}

fn render_change(out: &mut Out, c: &Change) {
    let what = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::NoOp => "is unchanged",
    };
    if let Some(from) = &c.lifecycle.moved_from {
        let moved = format!("  # {from} has moved to {}", c.resource);
        let moved = out.strong(&moved);
        out.line(&moved);
    }
    let what = if c.lifecycle.create_before_destroy { "must be replaced, the replacement created first" } else { what };
    let head = format!("  # {} {what}", c.resource);
    let head = out.strong(&head);
    out.line(&head);
    if let Some(r) = &c.reason {
        out.line(&format!("  # (because {r})"));
    }
    match c.resource.strip_suffix(super::lifecycle::DEPOSED_SUFFIX) {
        Some(of) if c.action == Action::Delete => out.line(&format!("  # (because it is what {of} was before its replacement)")),
        _ if c.action == Action::Delete && c.reason.is_none() => out.line(&format!("  # (because {} is no longer declared in the stack)", c.resource)),
        _ => {}
    }
    if !c.lifecycle.ignored.is_empty() {
        out.line(&format!("  # (changes to {} are ignored, as the stack says: they keep their recorded values)", c.lifecycle.ignored.join(", ")));
    }
    let sym = if c.lifecycle.create_before_destroy { replaced_first(out) } else { symbol(out, c.action) };
    out.line(&format!("{sym:>3} resource \"{}\" {:?} {{", c.type_name, c.resource));
    let indent = 6;
    match c.action {
        Action::Create => {
            let after = entries(c.after.as_ref());
            let outputs: Vec<Row> = sorted(entries(Some(&c.outputs.marked())))
                .into_iter()
                .filter(|(k, _)| !after.iter().any(|(a, _)| a == k))
                .map(|(k, v)| (k, None, Some(v)))
                .collect();
            let mut rows: Vec<Row> = after.into_iter().map(|(k, v)| (k, None, Some(v))).collect();
            rows.extend(outputs);
            render_rows(out, indent, &rows, &[]);
        }
        Action::Delete => {
            let rows: Vec<Row> = entries(c.before.as_ref()).into_iter().map(|(k, v)| (k, Some(v), None)).collect();
            render_rows(out, indent, &rows, &[]);
        }
        Action::Update | Action::Replace | Action::NoOp => {
            let mut rows = field_rows(&c.fields);
            let forced: Vec<&str> =
                c.fields.iter().filter(|f| f.forces_replacement).map(|f| f.path.as_str()).collect();
            if c.action == Action::Replace {
                let props = c.after.as_ref().map(Marked::keys).unwrap_or_default();
                rows.extend(
                    sorted(entries(Some(&c.outputs.marked())))
                        .into_iter()
                        .filter(|(k, _)| !props.contains(&k.as_str()))
                        .map(|(k, v)| {
                            let prior = c.prior_outputs.get(&k).map(Shown::data);
                            (k, prior, Some(v))
                        }),
                );
            }
            render_rows(out, indent, &rows, &forced);
            let total = c.after.as_ref().map_or(0, |m| m.keys().len());
            let hidden = total.saturating_sub(c.fields.iter().filter(|f| f.after.is_some()).count());
            hidden_line(out, indent, hidden, "attribute");
        }
    }
    out.line("    }");
}

fn render_rows(out: &mut Out, indent: usize, rows: &[Row], forced: &[&str]) {
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (key, before, after) in rows {
        let note = if forced.contains(&key.as_str()) { " # forces replacement" } else { "" };
        // A listed field did change; masked secrets can look alike on both sides.
        if before.is_some() && before == after {
            let sign = out.sign(Sign::Change);
            let v = value_text(after.as_ref().unwrap_or(&Shown::Scalar(Json::Null)), indent + 2, Sign::Same, out);
            out.line(&format!("{:indent$}{sign} {key:width$} = {v} -> {v}{note}", ""));
            continue;
        }
        render_attr(out, indent, Some((key, width)), before.as_ref(), after.as_ref(), note);
    }
}

/// One attribute (or, without a key, one list element): added, removed, unchanged or
/// changed; changed objects and lists show only what differs inside them.
fn render_attr(
    out: &mut Out,
    indent: usize,
    key: Option<(&str, usize)>,
    before: Option<&Shown>,
    after: Option<&Shown>,
    note: &str,
) {
    let pad = "";
    let (lead, tail) = match key {
        Some((k, w)) => (format!("{k:w$} = "), ""),
        None => (String::new(), ","),
    };
    match (before, after) {
        (None, Some(a)) => {
            let sign = out.sign(Sign::Add);
            let v = value_text(a, indent + 2, Sign::Add, out);
            out.line(&format!("{pad:indent$}{sign} {lead}{v}{tail}{note}"));
        }
        (Some(b), None) => {
            let sign = out.sign(Sign::Remove);
            let v = value_text(b, indent + 2, Sign::Remove, out);
            let null = if key.is_some() { " -> null" } else { "" };
            out.line(&format!("{pad:indent$}{sign} {lead}{v}{null}{tail}{note}"));
        }
        (Some(b), Some(a)) if b == a => {
            let v = value_text(a, indent + 2, Sign::Same, out);
            out.line(&format!("{pad:indent$}  {lead}{v}{tail}"));
        }
        (Some(b), Some(a)) => {
            let sign = out.sign(Sign::Change);
            match (b, a) {
                (Shown::Map(bm), Shown::Map(am)) => {
                    out.line(&format!("{pad:indent$}{sign} {lead}{{{note}"));
                    let mut keys: Vec<&String> = bm.iter().chain(am.iter()).map(|(k, _)| k).collect();
                    keys.sort();
                    keys.dedup();
                    let w = keys.iter().map(|k| k.len()).max().unwrap_or(0);
                    let mut hidden = 0;
                    for k in keys {
                        let (bk, ak) = (b.get(k), a.get(k));
                        if bk == ak {
                            hidden += 1;
                        } else {
                            render_attr(out, indent + 4, Some((k, w)), bk, ak, "");
                        }
                    }
                    hidden_line(out, indent + 4, hidden, "attribute");
                    out.line(&format!("{pad:indent$}  }}{tail}"));
                }
                (Shown::List(ba), Shown::List(aa)) => {
                    out.line(&format!("{pad:indent$}{sign} {lead}[{note}"));
                    let mut hidden = 0;
                    if ba.len() == aa.len() {
                        for (x, y) in ba.iter().zip(aa) {
                            if x == y {
                                hidden += 1;
                            } else {
                                render_attr(out, indent + 4, None, Some(x), Some(y), "");
                            }
                        }
                    } else {
                        for x in ba.iter().filter(|x| !aa.contains(x)) {
                            render_attr(out, indent + 4, None, Some(x), None, "");
                        }
                        for y in aa {
                            if ba.contains(y) {
                                hidden += 1;
                            } else {
                                render_attr(out, indent + 4, None, None, Some(y), "");
                            }
                        }
                    }
                    hidden_line(out, indent + 4, hidden, "element");
                    out.line(&format!("{pad:indent$}  ]{tail}"));
                }
                _ => {
                    let bt = value_text(b, indent + 2, Sign::Remove, out);
                    let at = value_text(a, indent + 2, Sign::Add, out);
                    out.line(&format!("{pad:indent$}{sign} {lead}{bt} -> {at}{tail}{note}"));
                }
            }
        }
        (None, None) => {}
    }
}

fn hidden_line(out: &mut Out, indent: usize, hidden: usize, what: &str) {
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        out.line(&format!("{:indent$}  # ({hidden} unchanged {what}{s} hidden)", ""));
    }
}

/// A value as text; nested values span several lines, each element with `sign`.
fn value_text(v: &Shown, indent: usize, sign: Sign, out: &Out) -> String {
    let pad = "";
    let s = out.sign(sign);
    match v {
        Shown::Unknown => "(known after apply)".to_owned(),
        Shown::Sensitive => "(sensitive value)".to_owned(),
        Shown::Scalar(Json::String(text)) if text.contains('\n') => {
            let mut t = String::from("<<-EOT\n");
            for l in text.lines() {
                let _ = writeln!(t, "{pad:w$}{l}", w = indent + 2);
            }
            let _ = write!(t, "{pad:indent$}EOT");
            t
        }
        Shown::List(a) if a.is_empty() => "[]".to_owned(),
        Shown::List(a) => {
            let mut t = String::from("[\n");
            for x in a {
                let _ = writeln!(t, "{pad:indent$}  {s} {},", value_text(x, indent + 4, sign, out));
            }
            let _ = write!(t, "{pad:indent$}]");
            t
        }
        Shown::Map(m) if m.is_empty() => "{}".to_owned(),
        Shown::Map(m) => {
            let w = m.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            let mut t = String::from("{\n");
            for (k, x) in m {
                let _ = writeln!(t, "{pad:indent$}  {s} {k:w$} = {}", value_text(x, indent + 4, sign, out));
            }
            let _ = write!(t, "{pad:indent$}}}");
            t
        }
        Shown::Scalar(other) => other.to_string(),
    }
}

fn render_steps(out: &mut Out, plan: &Plan) {
    out.line("Execution order (resources in one step run in parallel):");
    for (i, step) in plan.steps.iter().enumerate() {
        out.line(&format!("  {:>2}. {}", i + 1, step.join(", ")));
    }
    out.line("");
}

fn render_kept(out: &mut Out, plan: &Plan) {
    if plan.kept.is_empty() {
        return;
    }
    out.line(&format!(
        "Patch mode keeps {} recorded resource{} the stack no longer declares: {}",
        plan.kept.len(),
        if plan.kept.len() == 1 { "" } else { "s" },
        plan.kept.join(", ")
    ));
    out.line("");
}

fn render_outputs(out: &mut Out, plan: &Plan) {
    let outputs = sorted(entries(Some(&plan.outputs)));
    if outputs.is_empty() {
        return;
    }
    out.line("Outputs:");
    let w = outputs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &outputs {
        let t = value_text(v, 4, Sign::Same, out);
        out.line(&format!("  {k:w$} = {t}"));
    }
    out.line("");
}
