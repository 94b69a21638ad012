// SPDX-License-Identifier: MIT
// viewer.js - the HTML flame graph viewer `ember flame -o FILE.html` embeds.
//
// The data (html.c) is the merged call tree in post-order: per node its depth,
// name index and one value per column (each sample type, then each base type
// in a diff). The tree is rebuilt here into flat typed arrays, then drawn on a
// canvas. Only what is visible is drawn: frames of the zoomed subtree at least
// one pixel wide; runs of narrower siblings are merged into one grey block.
// Names reach the page only through textContent and fillText, never as HTML.
"use strict";
(function () {
	var D = JSON.parse(document.getElementById("data").textContent);
	var NT = D.types.length, NC = D.ncols, STRIDE = 2 + NC;
	// A canvas taller than 32767 device pixels stays blank in Chromium: the
	// rows drawn (the zoomed frame's ancestors, at most ANCESTORS of them,
	// and what lies below it) fit in MAX_CANVAS_PX at any pixel ratio.
	var FRAME_H = 16, CHAR_W = 12 * 0.59, MAX_CANVAS_PX = 32000, ANCESTORS = 100, TABLE_ROWS = 500;
	var FONT = "12px Verdana, \"DejaVu Sans\", sans-serif";
	var MATCH_COLOR = "#e600e6", MERGED_COLOR = "#c8c8c8";

	// ---- the tree: children before parents, siblings in name order ----------
	var N = D.nodes.length / STRIDE, ROOT = N - 1;
	var depth = new Int32Array(N), name = new Int32Array(N), vals = new Float64Array(N * NC);
	var parent = new Int32Array(N).fill(-1), first = new Int32Array(N).fill(-1);
	var next = new Int32Array(N).fill(-1);
	(function build() {
		var stack = [];
		for (var i = 0; i < N; i++) {
			var o = i * STRIDE, d = D.nodes[o], head = -1;
			depth[i] = d;
			name[i] = D.nodes[o + 1];
			for (var c = 0; c < NC; c++)
				vals[i * NC + c] = D.nodes[o + 2 + c];
			// The deeper nodes still on the stack are this node's children,
			// popped last sibling first.
			while (stack.length && depth[stack[stack.length - 1]] > d) {
				var k = stack.pop();
				next[k] = head;
				head = k;
				parent[k] = i;
			}
			first[i] = head;
			stack.push(i);
		}
	})();

	var $ = function (id) { return document.getElementById(id); };
	var canvas = $("canvas"), ctx = canvas.getContext("2d"), tip = $("tip");
	var searchInput = $("search"), matched = $("matched");
	var S = { col: D.sel, zoom: ROOT, icicle: !!D.icicle, matches: null, nameHit: null,
		  maxDelta: 0, sortKey: "self", sortAsc: false };
	var layoutRows = [], drawn = [], maxDepth = 0, cssW = 0, cut = false, maxRows = 0, elided = 0;

	function val(n, c) { return vals[n * NC + c]; }
	function nameOf(n) { return n === ROOT || name[n] < 0 ? "all" : D.names[name[n]][0]; }

	// ---- values in their unit, by the rules of lib/units.c -------------------
	function scaled(v, sfx) {
		var a = Math.abs(v);
		if (a >= 100 || a === Math.trunc(a))
			return v.toFixed(0) + sfx;
		return v.toFixed(a >= 10 ? 1 : 2) + sfx;
	}
	function fmtRaw(v, unit) {
		var a = Math.abs(v), i = 0;
		if (v === 0)
			return "0";
		if (unit === "nanoseconds") {
			if (a < 1e3) return scaled(v, "ns");
			if (a < 1e6) return scaled(v / 1e3, "us");
			if (a < 1e9) return scaled(v / 1e6, "ms");
			if (a < 60e9) return scaled(v / 1e9, "s");
			if (a < 3600e9) return scaled(v / 60e9, "min");
			return scaled(v / 3600e9, "h");
		}
		if (unit === "bytes") {
			var sfx = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
			while (a >= 1024 && i < 5) {
				a /= 1024;
				v /= 1024;
				i++;
			}
			return scaled(v, sfx[i]);
		}
		if (unit === "" || unit === "count")
			return String(v);
		return v + " " + unit;
	}
	function fmt(v, t) {
		var type = D.types[t], s = fmtRaw(v, type.unit);
		return type.unit === "" || type.unit === "count" ? s + " " + type.name : s;
	}
	function pct(v, total) { return total > 0 ? (100 * v / total).toFixed(2) + "%" : "0%"; }
	function share(v, total) { return total > 0 ? v / total : 0; }

	// ---- colours ----------------------------------------------------------------
	function delta(n) {
		var t = D.types[S.col];
		return share(val(n, S.col), t.total) - share(val(n, NT + S.col), t.base);
	}
	function computeMaxDelta() {
		S.maxDelta = 0;
		if (!D.diff)
			return;
		for (var n = 0; n < N; n++)
			if (val(n, S.col) > 0)
				S.maxDelta = Math.max(S.maxDelta, Math.abs(delta(n)));
	}
	function diffColor(n) {
		var d = delta(n), i = S.maxDelta > 0 ? Math.min(1, Math.abs(d) / S.maxDelta) : 0;
		var o = Math.floor(245 - 210 * i);
		if (d > 0) return "rgb(255," + o + "," + o + ")";
		if (d < 0) return "rgb(" + o + "," + o + ",255)";
		return "rgb(245,245,245)";
	}
	function fill(n) {
		if (S.matches && S.matches[n])
			return MATCH_COLOR;
		if (D.diff)
			return diffColor(n);
		return n === ROOT ? D.rootColor : D.names[name[n]][2];
	}

	// ---- layout: what is visible at the current zoom ----------------------------
	// Rows are numbered from the topmost ancestor drawn (r.d = depth - base).
	function layout() {
		var c = S.col, z = S.zoom, list = [], stack, base, a, k;
		if (!(val(z, c) > 0))
			z = S.zoom = ROOT;
		cssW = $("chart").clientWidth;
		var scale = val(z, c) > 0 ? cssW / val(z, c) : 0;
		var dpr = window.devicePixelRatio || 1;
		cut = false;
		for (a = parent[z], k = 0; a >= 0 && k < ANCESTORS; a = parent[a], k++)
			list.push({ n: a, x: 0, w: cssW, faded: true });
		elided = a >= 0 ? depth[a] + 1 : 0;	/* ancestors left out above the drawn ones */
		base = depth[z] - k;
		maxRows = Math.max(1, Math.floor(MAX_CANVAS_PX / (FRAME_H * dpr)) - k - 1);
		list.forEach(function (r) { r.d = depth[r.n] - base; });
		stack = [z, 0];
		while (stack.length) {
			var x = stack.pop(), n = stack.pop(), kids = [];
			var cx = x, mx = 0, mw = 0, mn = 0, mv = 0, mmax = 0;
			list.push({ n: n, x: x, w: val(n, c) * scale, d: depth[n] - base });
			if (depth[n] - depth[z] >= maxRows) {
				cut = cut || first[n] >= 0;
				continue;
			}
			for (var k = first[n]; k >= 0; k = next[k]) {
				var v = val(k, c), w = v * scale;
				if (!(v > 0))
					continue;
				if (w < 1) {
					if (!mn)
						mx = cx;
					mw += w;
					mn++;
					mv += v;
					mmax = Math.max(mmax, w);
				} else {
					if (mn)
						list.push({ merged: true, parentNode: n, x: mx, w: mw, d: depth[n] - base + 1, count: mn, value: mv, widest: mmax });
					mn = mw = mv = mmax = 0;
					kids.push(k, cx);
				}
				cx += w;
			}
			if (mn)
				list.push({ merged: true, parentNode: n, x: mx, w: mw, d: depth[n] - base + 1, count: mn, value: mv, widest: mmax });
			for (var i = kids.length - 2; i >= 0; i -= 2)
				stack.push(kids[i], kids[i + 1]);
		}
		maxDepth = 0;
		layoutRows = [];
		list.forEach(function (r) {
			maxDepth = Math.max(maxDepth, r.d);
			(layoutRows[r.d] = layoutRows[r.d] || []).push(r);
		});
		layoutRows.forEach(function (row) { row.sort(function (p, q) { return p.x - q.x; }); });
		drawn = list;
	}

	function rowY(d) { return S.icicle ? d * FRAME_H : (maxDepth - d) * FRAME_H; }

	function fit(s, px) {
		var chars = Math.floor(px / CHAR_W), cps;
		if (chars < 3)
			return "";
		cps = Array.from(s);
		return cps.length <= chars ? s : cps.slice(0, chars - 2).join("") + "..";
	}

	function render() {
		layout();
		var dpr = window.devicePixelRatio || 1, h = (maxDepth + 1) * FRAME_H;
		canvas.style.height = h + "px";
		canvas.width = Math.max(1, Math.round(cssW * dpr));
		canvas.height = Math.max(1, Math.round(h * dpr));
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.clearRect(0, 0, cssW, h);
		ctx.font = FONT;
		ctx.textBaseline = "middle";
		drawn.forEach(function (r) {
			var y = rowY(r.d), label;
			ctx.globalAlpha = r.faded ? 0.5 : 1;
			ctx.fillStyle = r.merged ? MERGED_COLOR : fill(r.n);
			// Half a pixel of gap keeps neighbours apart, as the SVG's borders do.
			ctx.fillRect(r.x, y, r.w > 2 ? r.w - 0.5 : r.w, FRAME_H - 1);
			label = r.merged ? "" : fit(nameOf(r.n), r.w);
			if (label) {
				ctx.fillStyle = "#000";
				ctx.fillText(label, r.x + 3, y + FRAME_H / 2);
			}
		});
		ctx.globalAlpha = 1;
		crumbs();
		subtitle();
		$("note").textContent = (D.omitted ? D.omitted + " frames too small to show at any zoom were left out of this file. " : "") +
			(cut ? "Frames deeper than " + maxRows + " levels below the zoomed frame are not drawn; zoom in to see them. " : "") +
			(elided ? "The " + elided + " outermost ancestors of the zoomed frame are not drawn. " : "");
	}

	function subtitle() {
		var t = D.types[S.col], s = "Type: " + t.name;
		if (D.duration > 0)
			s += ", Duration: " + fmtRaw(D.duration, "nanoseconds");
		s += ", Total: " + fmt(t.total, S.col);
		if (D.diff)
			s += ", Base: " + fmt(t.base, S.col) + " (red grew, blue shrank, as shares of each total)";
		if (D.inputs > 1)
			s += ", " + D.inputs + " profiles merged";
		$("subtitle").textContent = s;
	}

	// The path from the root to the zoomed frame; a deep one shows its first
	// CRUMBS_HEAD and last CRUMBS_TAIL frames around an ellipsis.
	var CRUMBS_HEAD = 3, CRUMBS_TAIL = 12;
	function crumbs() {
		var nav = $("crumbs"), path = [];
		for (var n = S.zoom; n >= 0; n = parent[n])
			path.unshift(n);
		if (path.length > CRUMBS_HEAD + CRUMBS_TAIL + 1)
			path = path.slice(0, CRUMBS_HEAD).concat([-1], path.slice(-CRUMBS_TAIL));
		nav.textContent = "";
		path.forEach(function (n, i) {
			var el;
			if (i) {
				el = document.createElement("span");
				el.className = "sep";
				el.textContent = "\u203a";
				nav.appendChild(el);
			}
			if (n < 0) {
				el = document.createElement("span");
				el.textContent = "\u2026";
				nav.appendChild(el);
				return;
			}
			if (n === S.zoom) {
				el = document.createElement("b");
			} else {
				el = document.createElement("button");
				el.type = "button";
				el.addEventListener("click", function () { zoomTo(n); });
			}
			el.textContent = nameOf(n);
			nav.appendChild(el);
		});
	}

	function zoomTo(n) {
		S.zoom = n;
		hideTip();
		render();
	}

	// ---- pointer -------------------------------------------------------------------
	function hit(ev) {
		var b = canvas.getBoundingClientRect(), x = ev.clientX - b.left, y = ev.clientY - b.top;
		var row = Math.floor(y / FRAME_H), d = S.icicle ? row : maxDepth - row;
		var r = layoutRows[d], lo = 0, hi, mid;
		if (!r || y < 0)
			return null;
		hi = r.length - 1;
		while (lo < hi) {
			mid = (lo + hi + 1) >> 1;
			if (r[mid].x <= x)
				lo = mid;
			else
				hi = mid - 1;
		}
		return r[lo] && r[lo].x <= x && x < r[lo].x + Math.max(r[lo].w, 1) ? r[lo] : null;
	}

	function selfOf(n, c) {
		var s = val(n, c);
		for (var k = first[n]; k >= 0; k = next[k])
			s -= val(k, c);
		return s;
	}

	function showTip(r, ev) {
		var c = S.col, total = D.types[c].total, lines = [], b = document.createElement("b");
		var v = r.merged ? r.value : val(r.n, c), kind;
		b.textContent = r.merged ? r.count + " frames narrower than a pixel" : nameOf(r.n);
		lines.push(fmt(v, c) + " (" + pct(v, total) + " of the total" +
			(S.zoom !== ROOT && !r.faded ? ", " + pct(v, val(S.zoom, c)) + " of " + nameOf(S.zoom) : "") + ")");
		if (!r.merged) {
			lines.push("self: " + fmt(selfOf(r.n, c), c) + " (" + pct(selfOf(r.n, c), total) + ")");
			if (D.diff) {
				var bv = val(r.n, NT + c), d = 100 * delta(r.n);
				lines.push("base: " + fmt(bv, c) + " (" + pct(bv, D.types[c].base) + ")");
				lines.push("change: " + (d >= 0 ? "+" : "") + d.toFixed(2) + "% of the total");
			}
			kind = r.n === ROOT ? 0 : D.names[name[r.n]][1];
			if (kind)
				lines.push(D.kinds[kind]);
		}
		tip.textContent = "";
		tip.appendChild(b);
		tip.appendChild(document.createTextNode(lines.join("\n")));
		tip.hidden = false;
		var cb = $("chart").getBoundingClientRect();
		var x = ev.clientX - cb.left + 14, y = ev.clientY - cb.top + 14;
		tip.style.left = Math.max(0, Math.min(x, cssW - tip.offsetWidth - 4)) + "px";
		tip.style.top = y + "px";
	}
	function hideTip() { tip.hidden = true; }

	canvas.addEventListener("mousemove", function (ev) {
		var r = hit(ev);
		if (r)
			showTip(r, ev);
		else
			hideTip();
	});
	canvas.addEventListener("mouseleave", hideTip);
	canvas.addEventListener("click", function (ev) {
		var r = hit(ev);
		if (r)
			zoomTo(r.merged ? r.parentNode : r.n);
	});

	// ---- search --------------------------------------------------------------------
	function updateMatched() {
		var c = S.col, sum = 0, stack = [ROOT];
		if (!S.matches) {
			matched.textContent = "";
			return;
		}
		// A match inside another match is already counted in it.
		while (stack.length) {
			var n = stack.pop();
			if (S.matches[n]) {
				sum += val(n, c);
				continue;
			}
			for (var k = first[n]; k >= 0; k = next[k])
				stack.push(k);
		}
		matched.textContent = "Matched: " + pct(sum, val(ROOT, c));
	}

	function runSearch() {
		var term = searchInput.value, re;
		searchInput.classList.remove("bad");
		S.matches = S.nameHit = null;
		if (term) {
			try {
				re = new RegExp(term, $("ignorecase").checked ? "i" : "");
			} catch (err) {
				searchInput.classList.add("bad");
				matched.textContent = "bad regex";
				return;
			}
			S.nameHit = new Uint8Array(D.names.length);
			for (var i = 0; i < D.names.length; i++)
				S.nameHit[i] = re.test(D.names[i][0]) ? 1 : 0;
			S.matches = new Uint8Array(N);
			for (var n = 0; n < N; n++)
				S.matches[n] = n !== ROOT && name[n] >= 0 ? S.nameHit[name[n]] : 0;
		}
		updateMatched();
		render();
		renderTable();
	}

	var searchTimer = 0;
	searchInput.addEventListener("input", function () {
		clearTimeout(searchTimer);
		searchTimer = setTimeout(runSearch, 120);
	});
	$("ignorecase").addEventListener("change", runSearch);

	// ---- the function table -------------------------------------------------------
	var FS = 1 + 2 * NT, funcs = [];
	for (var fi = 0; fi < D.nfuncs; fi++)
		funcs.push(fi * FS);
	function fSelf(o, c) { return D.funcs[o + 1 + c]; }
	function fTotal(o, c) { return D.funcs[o + 1 + NT + c]; }
	function fName(o) { return D.names[D.funcs[o]][0]; }

	function renderTable() {
		var c = S.col, total = D.types[c].total, key = S.sortKey, dir = S.sortAsc ? 1 : -1;
		var rows = funcs.filter(function (o) {
			return (fSelf(o, c) > 0 || fTotal(o, c) > 0) && (!S.nameHit || S.nameHit[D.funcs[o]]);
		});
		rows.sort(function (a, b) {
			var x = key === "name" ? fName(a) : key === "self" ? fSelf(a, c) : fTotal(a, c);
			var y = key === "name" ? fName(b) : key === "self" ? fSelf(b, c) : fTotal(b, c);
			if (x !== y)
				return x < y ? -dir : dir;
			return fName(a) < fName(b) ? -1 : fName(a) > fName(b) ? 1 : 0;
		});
		var frag = document.createDocumentFragment();
		rows.slice(0, TABLE_ROWS).forEach(function (o) {
			var tr = document.createElement("tr"), td = document.createElement("td");
			var sw = document.createElement("i");
			sw.style.background = D.names[D.funcs[o]][2];
			td.className = "fn";
			td.appendChild(sw);
			td.appendChild(document.createTextNode(fName(o)));
			tr.appendChild(td);
			[fmt(fSelf(o, c), c), pct(fSelf(o, c), total), fmt(fTotal(o, c), c), pct(fTotal(o, c), total)]
				.forEach(function (s) {
					var cell = document.createElement("td");
					cell.className = "num";
					cell.textContent = s;
					tr.appendChild(cell);
				});
			tr.addEventListener("click", function () {
				searchInput.value = "^" + fName(o).replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$";
				runSearch();
			});
			frag.appendChild(tr);
		});
		$("table").tBodies[0].replaceChildren(frag);
		document.querySelectorAll("#table th").forEach(function (th, i) {
			var on = th.dataset.key === key && (i !== 2 && i !== 4);
			th.classList.toggle("sorted", on);
			th.classList.toggle("asc", on && S.sortAsc);
		});
		$("tablenote").textContent = (rows.length > TABLE_ROWS ? "Showing " + TABLE_ROWS + " of " : "") + rows.length +
			" functions" + (S.nameHit ? " matching the search" : "") + ". Click a row to search for it; click a heading to sort.";
	}
	document.querySelectorAll("#table th").forEach(function (th) {
		th.addEventListener("click", function () {
			var key = th.dataset.key;
			if (S.sortKey === key)
				S.sortAsc = !S.sortAsc;
			else
				S.sortKey = key, S.sortAsc = key === "name";
			renderTable();
		});
	});

	// ---- controls ----------------------------------------------------------------------
	function setType(i) {
		S.col = i;
		document.querySelectorAll("#types button").forEach(function (b, j) {
			b.classList.toggle("active", j === i);
			b.setAttribute("aria-pressed", j === i ? "true" : "false");
		});
		computeMaxDelta();
		updateMatched();
		render();
		renderTable();
	}
	D.types.forEach(function (t, i) {
		var b = document.createElement("button");
		b.type = "button";
		b.textContent = t.name;
		b.dataset.type = t.name;
		b.title = "Show " + t.name + " (" + (t.unit || "count") + ")";
		b.addEventListener("click", function () { setType(i); });
		$("types").appendChild(b);
	});
	$("icicle").addEventListener("click", function () {
		S.icicle = !S.icicle;
		this.setAttribute("aria-pressed", S.icicle ? "true" : "false");
		render();
	});
	$("icicle").setAttribute("aria-pressed", S.icicle ? "true" : "false");
	$("reset").addEventListener("click", function () { zoomTo(ROOT); });
	window.addEventListener("keydown", function (e) {
		// The first Ctrl-F goes to the search box; in it, the browser's own find.
		if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F") && document.activeElement !== searchInput) {
			e.preventDefault();
			searchInput.focus();
			searchInput.select();
		} else if (e.key === "Escape") {
			if (S.zoom !== ROOT) {
				zoomTo(ROOT);
			} else {
				searchInput.value = "";
				runSearch();
			}
		}
	});
	var pending = false;
	window.addEventListener("resize", function () {
		if (pending)
			return;
		pending = true;
		window.requestAnimationFrame(function () {
			pending = false;
			render();
		});
	});

	// For tests and for people poking at the console: what is drawn, in CSS px.
	window.emberFlame = {
		drawn: function () {
			return drawn.map(function (r) {
				// A merged block: count siblings, the widest of them widest px.
				return { name: r.merged ? null : nameOf(r.n), x: r.x, y: rowY(r.d), w: r.w,
					 h: FRAME_H - 1, depth: r.d, merged: !!r.merged, faded: !!r.faded,
					 color: r.merged ? MERGED_COLOR : fill(r.n),
					 count: r.merged ? r.count : 1, widest: r.merged ? r.widest : r.w };
			});
		},
		state: function () {
			return { type: D.types[S.col].name, zoom: nameOf(S.zoom), icicle: S.icicle,
				 frames: N, omitted: D.omitted };
		}
	};
	setType(D.sel);
})();
