/* SPDX-License-Identifier: MIT */
/*
 * assets.h - the viewer's script and style sheet, compiled in.
 *
 * They are kept as readable files under flamegraph/viewer/ and turned into
 * byte arrays at build time (flamegraph/viewer/embed.sh writes
 * build/gen/flame_assets.c), so every SVG and HTML file ember writes is
 * self-contained and works offline. Each array is NUL-terminated; _len
 * excludes the NUL.
 */
#ifndef EMBER_FLAME_ASSETS_H
#define EMBER_FLAME_ASSETS_H

#include <stddef.h>

extern const char em_asset_flame_svg_js[];	/* viewer/flame-svg.js */
extern const size_t em_asset_flame_svg_js_len;
extern const char em_asset_viewer_html[];	/* viewer/viewer.html, with @@MARKERS@@ */
extern const size_t em_asset_viewer_html_len;
extern const char em_asset_viewer_js[];		/* viewer/viewer.js */
extern const size_t em_asset_viewer_js_len;
extern const char em_asset_viewer_css[];	/* viewer/viewer.css */
extern const size_t em_asset_viewer_css_len;

#endif
