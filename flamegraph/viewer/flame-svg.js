// SPDX-License-Identifier: MIT
// flame-svg.js - the script inside every SVG `ember flame` writes: hover
// details, click to zoom, Reset Zoom, regex search with the matched share of
// the total, Ctrl-F / F3 to search (a second Ctrl-F reaches the browser's own
// find), Ctrl-I for case, and ?s=REGEX in the URL. The picture is complete
// without it: every frame is already placed, labelled and titled.
//
// Frames are <g data-x data-w data-d> elements: start and width in the
// profile's units and the depth, so zooming and matching are exact.
"use strict";

var fg = null;

function init() {
	var svg = document.documentElement;
	var groups = document.getElementById("frames").children;

	fg = {
		svg: svg,
		frames: document.getElementById("frames"),
		details: document.getElementById("details"),
		unzoomBtn: document.getElementById("unzoom"),
		searchBtn: document.getElementById("search"),
		icBtn: document.getElementById("ignorecase"),
		matched: document.getElementById("matched"),
		width: +svg.getAttribute("width"),
		xpad: +svg.getAttribute("data-xpad"),
		fontPx: +svg.getAttribute("data-font-size") * +svg.getAttribute("data-font-width"),
		total: +svg.getAttribute("data-total"),
		items: [],
		byGroup: new Map(),
		zoomed: null,
		term: null,
		ignorecase: false
	};
	for (var i = 0; i < groups.length; i++) {
		var it = makeItem(groups[i]);
		fg.items.push(it);
		fg.byGroup.set(groups[i], it);
	}
	fg.frames.addEventListener("mouseover", function (e) {
		var it = itemOf(e.target);
		if (it)
			setText(fg.details, it.title);
	});
	fg.frames.addEventListener("mouseout", function () { setText(fg.details, " "); });
	fg.frames.addEventListener("click", function (e) {
		var it = itemOf(e.target);
		if (it)
			zoom(it);
	});
	fg.unzoomBtn.addEventListener("click", unzoom);
	fg.searchBtn.addEventListener("click", function () {
		if (fg.term === null)
			searchPrompt();
		else
			resetSearch();
	});
	fg.icBtn.addEventListener("click", toggleIgnorecase);
	window.addEventListener("keydown", function (e) {
		var f = e.key === "F3" || (e.ctrlKey && (e.key === "f" || e.key === "F"));
		// With a search active, let Ctrl-F through to the browser's find.
		if (f && fg.term === null) {
			e.preventDefault();
			searchPrompt();
		} else if (e.ctrlKey && (e.key === "i" || e.key === "I")) {
			e.preventDefault();
			toggleIgnorecase();
		} else if (e.key === "Escape") {
			unzoom();
			resetSearch();
		}
	});
	var s = new URLSearchParams(window.location.search).get("s");
	if (s)
		search(s);
}

// A frame too narrow for a label has no <text>; one is added when needed.
function makeItem(g) {
	var rect = g.querySelector("rect"), text = g.querySelector("text");
	var title = g.querySelector("title").textContent;
	return {
		g: g, rect: rect, text: text, title: title,
		// The title is "NAME (value, percent...)"; the last " (" starts ours.
		name: title.substring(0, title.lastIndexOf(" (")),
		x: +g.getAttribute("data-x"), w: +g.getAttribute("data-w"),
		d: +g.getAttribute("data-d"),
		fill: rect.getAttribute("fill"),
		rx: rect.getAttribute("x"), rw: rect.getAttribute("width"),
		label: text ? text.textContent : ""
	};
}

function label(it, x, s) {
	if (!it.text) {
		if (!s)
			return;
		it.text = document.createElementNS("http://www.w3.org/2000/svg", "text");
		// the baseline svg.c uses: the middle of the frame, plus 3
		it.text.setAttribute("y", (+it.rect.getAttribute("y") + it.rect.getAttribute("height") / 2 + 3).toFixed(1));
		it.g.appendChild(it.text);
	}
	it.text.setAttribute("x", (x + 3).toFixed(1));
	setText(it.text, s);
}

function itemOf(node) {
	while (node && node.parentNode !== fg.frames)
		node = node.parentNode;
	return (node && fg.byGroup.get(node)) || null;
}

function setText(el, s) {
	el.textContent = s;
}

// The label for a frame px wide: as much of the name as fits, cut with "..".
function fit(name, px) {
	var chars = Math.floor(px / fg.fontPx), cps = Array.from(name);
	if (chars < 3)
		return "";
	if (cps.length <= chars)
		return name;
	return cps.slice(0, chars - 2).join("") + "..";
}

function place(it, x, w, parent) {
	it.g.classList.remove("hide");
	it.g.classList.toggle("parent", parent);
	it.rect.setAttribute("x", x.toFixed(1));
	it.rect.setAttribute("width", w.toFixed(1));
	label(it, x, fit(it.name, w));
}

function zoom(z) {
	var full = fg.width - 2 * fg.xpad, scale = full / z.w;
	fg.zoomed = z;
	fg.unzoomBtn.classList.remove("hide");
	for (var i = 0; i < fg.items.length; i++) {
		var it = fg.items[i];
		if (it.d >= z.d && it.x >= z.x && it.x + it.w <= z.x + z.w)
			place(it, fg.xpad + (it.x - z.x) * scale, it.w * scale, false);
		else if (it.d < z.d && it.x <= z.x && it.x + it.w >= z.x + z.w)
			place(it, fg.xpad, full, true);
		else
			it.g.classList.add("hide");
	}
}

function unzoom() {
	fg.zoomed = null;
	fg.unzoomBtn.classList.add("hide");
	for (var i = 0; i < fg.items.length; i++) {
		var it = fg.items[i];
		it.g.classList.remove("hide", "parent");
		it.rect.setAttribute("x", it.rx);
		it.rect.setAttribute("width", it.rw);
		label(it, +it.rx, it.label);
	}
}

function searchPrompt() {
	var term = window.prompt("Search for a function (regular expression, e.g. ^ext4_)" +
		(fg.ignorecase ? ", ignoring case" : "") + "\nCtrl-I toggles case sensitivity",
		fg.term || "");
	if (term)
		search(term);
}

function toggleIgnorecase() {
	fg.ignorecase = !fg.ignorecase;
	fg.icBtn.classList.toggle("show", fg.ignorecase);
	if (fg.term !== null)
		search(fg.term);
}

function resetSearch() {
	fg.term = null;
	for (var i = 0; i < fg.items.length; i++)
		fg.items[i].rect.setAttribute("fill", fg.items[i].fill);
	fg.searchBtn.classList.remove("show");
	setText(fg.searchBtn, "Search");
	setText(fg.matched, " ");
	fg.matched.classList.add("hide");
}

function search(term) {
	var re, hits = [], sum = 0, end = -1;
	try {
		re = new RegExp(term, fg.ignorecase ? "i" : "");
	} catch (err) {
		setText(fg.matched, "Bad regex: " + err.message);
		fg.matched.classList.remove("hide");
		return;
	}
	fg.term = term;
	for (var i = 0; i < fg.items.length; i++) {
		var it = fg.items[i];
		if (it.d > 0 && re.test(it.name)) {
			it.rect.setAttribute("fill", "rgb(230,0,230)");
			hits.push(it);
		} else {
			it.rect.setAttribute("fill", it.fill);
		}
	}
	// A match inside another match (its descendant) is already counted.
	hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
	for (var j = 0; j < hits.length; j++) {
		if (hits[j].x >= end) {
			sum += hits[j].w;
			end = hits[j].x + hits[j].w;
		}
	}
	fg.searchBtn.classList.add("show");
	setText(fg.searchBtn, "Reset Search");
	setText(fg.matched, "Matched: " + (fg.total ? 100 * sum / fg.total : 0).toFixed(2) + "%");
	fg.matched.classList.remove("hide");
}
