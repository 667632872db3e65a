// touch.js: touch screens and on-screen keyboards for the ImGui canvas.
//
// Emscripten's GLFW (3.1.6) turns touches into mouse buttons without a position, so the app
// would press wherever the mouse last was. This file takes the canvas's touches instead (the
// browser neither scrolls nor zooms the canvas: touch-action none) and keeps a small state that
// web/main.cpp reads every frame (attnlabTouch.poll) and hands to ImGui as the pointer:
//   one finger    the pointer, pressed: a tap is a click, a drag drags a slider, paints a mask,
//                 or, off every widget, scrolls the page (ui/app/app.cpp, drag_scroll)
//   long press    a finger held still for 500 ms (and 8 frames): the pointer stays over the widget, so the
//                 tooltip a mouse hover shows is shown; on release it lifts off the widget, so a
//                 long press never clicks
//   two fingers   pan: the movement of their midpoint goes to ImGui as a wheel, scrolling the
//                 window under them (a large heatmap in the lesson's view, or the page)
// A real mouse moving over the canvas gives the pointer back to GLFW.
//
// ImGui cannot open an on-screen keyboard: an off-screen <input> (#text-input) is focused while an
// ImGui text field is active (main.cpp calls attnlabTouch.text), and what is typed into it is
// forwarded to ImGui (attnlab_text, attnlab_key). A tap that lands on a text field focuses it
// within the tap itself, as mobile browsers require before they show the keyboard.
(function () {
  "use strict";
  // A long press: held still for 500 ms and for at least 8 frames (the tooltip was on screen; a
  // slow renderer's two frames are not a long press however long they take).
  var LONG_PRESS_MS = 500, LONG_PRESS_FRAMES = 8, SLOP_PX = 10;
  var S = {
    touch: false,            // the last pointer input was a touch
    x: -1, y: -1,            // the finger, CSS px from the canvas's top-left corner
    down: false,             // a finger is pressing
    pressed: false,          // pressed since the last poll (a tap shorter than a frame still clicks)
    cancel: false,           // release off every widget (a long press, or a second finger arrived)
    heldFrames: 0,           // polls left that keep the pointer where the finger lifted
    primary: null,           // identifier of the pressing finger
    x0: 0, y0: 0, t0: 0, polls: 0, moved: false,
    pan: false, cx: 0, cy: 0, panX: 0, panY: 0,
    ignore: false,           // after a pan, until every finger is up
    textWanted: false,       // ImGui has an active text field
    overText: false,         // the pointer was over a text field in the last frame
    idleText: 0              // polls since ImGui stopped wanting text
  };

  function canvas() { return document.getElementById("canvas"); }
  function local(t) {
    var r = canvas().getBoundingClientRect();
    return { x: t.clientX - r.left, y: t.clientY - r.top };
  }
  function midpoint(list) {
    var r = canvas().getBoundingClientRect(), x = 0, y = 0;
    for (var i = 0; i < list.length; i++) { x += list[i].clientX; y += list[i].clientY; }
    return { x: x / list.length - r.left, y: y / list.length - r.top };
  }
  function find(list, id) {
    for (var i = 0; i < list.length; i++) if (list[i].identifier === id) return list[i];
    return null;
  }

  function onStart(e) {
    if (e.target !== canvas()) return;
    e.preventDefault();
    e.stopPropagation();  // GLFW's own touch handlers would press at a stale position
    S.touch = true;
    var all = e.touches;
    if (all.length >= 2) {
      if (S.down) { S.cancel = true; S.down = false; }
      var m = midpoint(all);
      S.pan = true; S.ignore = true; S.cx = m.x; S.cy = m.y;
      return;
    }
    if (S.ignore) return;
    var t = e.changedTouches[0], p = local(t);
    S.primary = t.identifier;
    S.x = S.x0 = p.x; S.y = S.y0 = p.y;
    S.t0 = performance.now();
    S.polls = 0;
    S.moved = false; S.down = true; S.pressed = true; S.cancel = false;
  }

  function onMove(e) {
    if (e.target !== canvas()) return;
    e.preventDefault();
    e.stopPropagation();
    if (S.pan) {
      if (e.touches.length < 2) return;
      var m = midpoint(e.touches);
      S.panX += m.x - S.cx; S.panY += m.y - S.cy;
      S.cx = m.x; S.cy = m.y;
      return;
    }
    var t = find(e.changedTouches, S.primary);
    if (!t || !S.down) return;
    var p = local(t);
    S.x = p.x; S.y = p.y;
    if (Math.abs(p.x - S.x0) > SLOP_PX || Math.abs(p.y - S.y0) > SLOP_PX) S.moved = true;
  }

  function onEnd(e) {
    if (e.target !== canvas()) return;
    e.preventDefault();
    e.stopPropagation();
    if (e.touches.length < 2) S.pan = false;
    if (e.touches.length === 0) S.ignore = false;
    var t = find(e.changedTouches, S.primary);
    if (!t || !S.down) return;
    S.down = false;
    S.primary = null;
    if (e.type === "touchcancel" || (!S.moved && performance.now() - S.t0 >= LONG_PRESS_MS && S.polls >= LONG_PRESS_FRAMES)) {
      S.cancel = true;
    } else {
      S.heldFrames = 1;
      // A tap on a text field: focus the hidden input now, inside the tap, so the keyboard opens.
      if (S.overText && !S.moved) focusText();
    }
  }

  function onMouseMove(e) {
    // A mouse (not the browser's emulation of one after a touch) takes the pointer back.
    if (e.sourceCapabilities && e.sourceCapabilities.firesTouchEvents) return;
    if (S.touch && !S.down) S.touch = false;
  }

  // --- the hidden text input ---
  function input() { return document.getElementById("text-input"); }
  function focusText() {
    var el = input();
    if (!el) return;
    el.value = " ";  // something to delete, so Backspace on an on-screen keyboard fires an input event
    if (document.activeElement !== el) el.focus({ preventScroll: true });
    el.setSelectionRange(1, 1);
  }
  function blurText() {
    var el = input();
    if (el && document.activeElement === el) { el.blur(); canvas().focus({ preventScroll: true }); }
  }
  function onInput(e) {
    var el = input();
    if (typeof Module === "undefined" || !Module.calledRun) return;
    if (e.inputType === "deleteContentBackward") {
      Module.ccall("attnlab_key", null, ["string"], ["Backspace"]);
    } else if (e.data) {
      Module.ccall("attnlab_text", null, ["string"], [e.data]);
    }
    el.value = " ";
    el.setSelectionRange(1, 1);
  }

  var api = {
    // Called by main.cpp each frame before ImGui's new frame: fills out[0..4] with the pointer
    // (x, y in CSS px, or -1 for none), the button (0/1) and the pan since the last poll (CSS
    // px); returns 0 when the mouse, not a finger, drives the pointer.
    poll: function (heap, at) {
      if (!S.touch) return 0;
      var down = S.down || S.pressed, x = S.x, y = S.y;
      if (S.down) S.polls++;
      S.pressed = false;
      if (S.cancel) {
        S.cancel = false; down = false; x = -1; y = -1;
      } else if (!down) {
        if (S.heldFrames > 0) S.heldFrames--; else { x = -1; y = -1; }
      }
      if (S.pan) { x = S.cx; y = S.cy; down = false; }
      heap[at] = x; heap[at + 1] = y; heap[at + 2] = down ? 1 : 0;
      heap[at + 3] = S.panX; heap[at + 4] = S.panY;
      S.panX = 0; S.panY = 0;
      return 1;
    },
    // Called by main.cpp when ImGui's text state changes: want = a text field is active;
    // over = the pointer is over a text field.
    text: function (want, over) {
      S.overText = !!over;
      if (want) {
        S.idleText = 0;
        if (!S.textWanted) focusText();
        S.textWanted = true;
      } else if (S.textWanted || document.activeElement === input()) {
        // A field just tapped becomes active a frame or two after the tap focused the input.
        if (++S.idleText > 3) { S.textWanted = false; blurText(); }
      }
    }
  };
  window.attnlabTouch = api;

  // Capture on window, registered before GLFW's (attnlab.js loads after this file), so these run
  // first and can keep touches, and characters typed into the hidden input, away from GLFW.
  var opts = { capture: true, passive: false };
  window.addEventListener("touchstart", onStart, opts);
  window.addEventListener("touchmove", onMove, opts);
  window.addEventListener("touchend", onEnd, opts);
  window.addEventListener("touchcancel", onEnd, opts);
  window.addEventListener("mousemove", onMouseMove, true);
  window.addEventListener("keypress", function (e) {
    if (e.target === input()) e.stopImmediatePropagation();  // the text arrives as input events
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    var el = input();
    if (el) el.addEventListener("input", onInput);
  });
})();
