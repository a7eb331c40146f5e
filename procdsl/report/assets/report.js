// procdsl report: zoom and pan of each timeline, hover details, a cursor, the tree at the cursor,
// and verdicts that jump to their moment. Every element of a chart carries its times
// (data-t0, data-t1); laying it out again is recomputing x from them.
"use strict";
(function () {
  const MIN_SPAN = 20;  // ns: the closest zoom

  function fmt(ns) {
    const units = [[1e9, "s"], [1e6, "ms"], [1e3, "us"]];
    for (const [size, unit] of units) {
      if (Math.abs(ns) >= size) {
        return (ns / size).toFixed(3).replace(/\.?0+$/, "") + unit;
      }
    }
    return Math.round(ns) + "ns";
  }

  function geometry(svg) {
    const v0 = +svg.dataset.view0, v1 = +svg.dataset.view1;
    const g = +svg.dataset.gutter, right = +svg.getAttribute("width") - +svg.dataset.right;
    const scale = (right - g) / (v1 - v0);
    return { v0, v1, g, right, X: (t) => g + (t - v0) * scale, T: (x) => v0 + (x - g) / scale };
  }

  function niceStep(raw) {
    let step = 1;
    for (;;) {
      for (const m of [1, 2, 5]) {
        if (step * m >= raw) return step * m;
      }
      step *= 10;
    }
  }

  function drawAxis(svg, geo) {
    const axis = svg.querySelector("g.axis");
    const base = axis.querySelector("line");
    const y = +base.getAttribute("y1");
    while (axis.childNodes.length > 1) axis.removeChild(axis.lastChild);
    const step = niceStep((geo.v1 - geo.v0) / 8);
    const ns = "http://www.w3.org/2000/svg";
    for (let t = Math.ceil(geo.v0 / step) * step; t <= geo.v1; t += step) {
      const x = geo.X(t);
      const tick = document.createElementNS(ns, "line");
      tick.setAttribute("x1", x); tick.setAttribute("x2", x);
      tick.setAttribute("y1", y); tick.setAttribute("y2", y + 5); tick.setAttribute("stroke", "#444");
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", x); label.setAttribute("y", y + 17); label.setAttribute("text-anchor", "middle");
      label.textContent = fmt(t);
      axis.appendChild(tick); axis.appendChild(label);
    }
  }

  function layout(svg) {
    const geo = geometry(svg);
    for (const el of svg.querySelectorAll(".items [data-t0]")) {
      const t0 = +el.dataset.t0;
      const t1 = el.dataset.t1 === undefined ? t0 : +el.dataset.t1;
      const tag = el.tagName.toLowerCase();
      if (tag === "rect") {
        const x0 = geo.X(t0), x1 = geo.X(t1);
        el.setAttribute("x", x0.toFixed(2));
        el.setAttribute("width", Math.max(x1 - x0, 0.5).toFixed(2));
      } else if (tag === "circle") {
        el.setAttribute("cx", geo.X(t0).toFixed(2));
      } else if (tag === "line") {
        el.setAttribute("x1", geo.X(t0).toFixed(2));
        el.setAttribute("x2", geo.X(t1).toFixed(2));
      }
    }
    drawAxis(svg, geo);
    const cursor = svg.querySelector("line.cursor");
    if (svg.dataset.cursor !== undefined) {
      const x = geo.X(+svg.dataset.cursor);
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
      cursor.setAttribute("visibility", x >= geo.g && x <= geo.right ? "visible" : "hidden");
    }
  }

  function setView(svg, v0, v1) {
    const end = +svg.dataset.end;
    let span = Math.min(Math.max(v1 - v0, MIN_SPAN), end);
    v0 = Math.max(0, Math.min(v0, end - span));
    svg.dataset.view0 = v0;
    svg.dataset.view1 = v0 + span;
    layout(svg);
  }

  function zoom(svg, center, factor) {
    const v0 = +svg.dataset.view0, v1 = +svg.dataset.view1;
    setView(svg, center - (center - v0) * factor, center + (v1 - center) * factor);
  }

  function timeAt(svg, event) {
    const box = svg.getBoundingClientRect();
    const x = (event.clientX - box.left) * (+svg.getAttribute("width") / box.width);
    return geometry(svg).T(x);
  }

  function setCursor(section, t) {
    const svg = section.querySelector("svg.timeline");
    if (!svg) return;
    svg.dataset.cursor = t;
    layout(svg);
    const data = section.querySelector("script.snapshots");
    const snaps = data ? JSON.parse(data.textContent) : [];
    let current = -1;
    snaps.forEach((s, i) => { if (s.t <= t) current = i; });
    section.querySelector(".tree-time").textContent = fmt(t);
    section.querySelector("pre.tree").textContent = current >= 0 ? snaps[current].tree : "(no process yet)";
    section.querySelectorAll("ol.changes li").forEach((li, i) => li.classList.toggle("current", i === current));
  }

  function jump(section, t) {
    const svg = section.querySelector("svg.timeline");
    if (!svg) return;
    const end = +svg.dataset.end;
    const span = Math.max(end / 10, MIN_SPAN);
    setView(svg, t - span / 2, t + span / 2);
    setCursor(section, t);
    svg.scrollIntoView({ block: "center" });
  }

  function wire(section) {
    const svg = section.querySelector("svg.timeline");
    if (svg) {
      svg.dataset.view0 = 0;
      svg.dataset.view1 = svg.dataset.end;
      layout(svg);
      svg.addEventListener("wheel", (e) => {
        e.preventDefault();
        zoom(svg, timeAt(svg, e), e.deltaY < 0 ? 1 / 1.5 : 1.5);
      }, { passive: false });
      let drag = null;
      svg.addEventListener("mousedown", (e) => {
        drag = { x: e.clientX, v0: +svg.dataset.view0, v1: +svg.dataset.view1, moved: false };
      });
      window.addEventListener("mousemove", (e) => {
        if (!drag) return;
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (!drag.moved) return;
        const box = svg.getBoundingClientRect();
        const geo = geometry(svg);
        const dt = dx * (+svg.getAttribute("width") / box.width) * (drag.v1 - drag.v0) / (geo.right - geo.g);
        setView(svg, drag.v0 - dt, drag.v1 - dt);
      });
      window.addEventListener("mouseup", (e) => {
        if (drag && !drag.moved && e.target.closest && e.target.closest("svg") === svg) {
          setCursor(section, Math.max(0, timeAt(svg, e)));
        }
        drag = null;
      });
      setCursor(section, 0);
    }
    section.querySelectorAll(".controls button").forEach((b) => b.addEventListener("click", () => {
      if (!svg) return;
      const v0 = +svg.dataset.view0, v1 = +svg.dataset.view1;
      const mid = svg.dataset.cursor !== undefined ? +svg.dataset.cursor : (v0 + v1) / 2;
      if (b.dataset.zoom === "reset") setView(svg, 0, +svg.dataset.end);
      else zoom(svg, mid, b.dataset.zoom === "in" ? 0.5 : 2);
    }));
    section.querySelectorAll("button.jump").forEach((b) => b.addEventListener("click", () => {
      section.querySelectorAll(".verdict").forEach((v) => v.classList.remove("current"));
      const verdict = b.closest(".verdict");
      if (verdict) verdict.classList.add("current");
      jump(section, +b.dataset.t);
    }));
  }

  const tip = document.getElementById("tip");
  document.addEventListener("mouseover", (e) => {
    const el = e.target.closest ? e.target.closest("[data-tip]") : null;
    if (!el) { tip.style.display = "none"; return; }
    tip.textContent = el.dataset.tip;
    tip.style.display = "block";
  });
  document.addEventListener("mousemove", (e) => {
    tip.style.left = (e.clientX + 14) + "px";
    tip.style.top = (e.clientY + 14) + "px";
  });
  document.querySelectorAll("section.scenario").forEach(wire);
})();
