// attnlab.d.ts: TypeScript declarations of window.attnlab, the page's JavaScript API
// (README.md, "window.attnlab"). A global declaration file: reference it from a course page's
// TypeScript with `/// <reference path="attnlab.d.ts" />` (or list it in tsconfig's "files"),
// then use `window.attnlab` or `attnlab`, and the types under the `Attnlab` namespace.
//
// tests/e2e/api-types.test.mjs type-checks a usage file against this one and checks that the
// live state() of every lesson, and the events' payloads, are exactly what is declared here.

declare namespace Attnlab {
  /** One entry of `lessons()`, in menu order. */
  interface LessonInfo {
    id: string;
    title: string;
    /** The number key that opens it ("1".."9"), or null past the ninth lesson. */
    key: string | null;
  }

  type Colormap = "viridis" | "magma" | "cividis" | "grey";

  /** How a live lesson's trace changes: not at all, by appending steps, or replaced each update. */
  type Follow = "fixed" | "growing" | "replaced";

  /** The heatmap cell under the mouse. */
  interface Hover {
    /** The heatmap's id (as in `state().heatmaps`). */
    heatmap: string;
    row: number;
    col: number;
    value: number;
  }

  /** A heatmap drawn in the last frame, in CSS pixels from the page's top left. */
  interface HeatmapRect {
    id: string;
    x: number;
    y: number;
    w: number;
    h: number;
  }

  /** The matrix the current step shows (what the CSV export holds). */
  interface ShownMatrix {
    name: string;
    rows: number;
    cols: number;
    /** Row-major values; null above 65536 cells (export "csv" for those). */
    data: number[] | null;
    rowLabels: string[];
    colLabels: string[];
  }

  /** The Training lesson's progress (`state().training`); numbers that do not apply are null. */
  interface Training {
    task: string;
    /** Training steps done. */
    step: number;
    /** Loss and accuracy of the last training batch. */
    loss: number | null;
    accuracy: number | null;
    heldOutAccuracy: number | null;
    heldOutLoss: number | null;
    heldOutExact: number | null;
    heldOutCopiedLoss: number | null;
    /** The step the held-out numbers belong to. */
    evaluatedStep: number | null;
    running: boolean;
    /** Retraining to the step a link asked for. */
    replaying: boolean;
    replayTarget: number;
    stepsPerSecond: number | null;
    tracedStep: number;
    checkpoints: number;
    /** Why training stopped (a non-finite loss, ...), or "". */
    failure: string;
    /** The learning rate changed during the run (a link replays with the current rate). */
    lrChanged: boolean;
    /** The run started from an imported model file trained for `step` steps, else null. */
    imported: { step: number } | null;
    /** The dates task: the mean attention mass the output's year, month and day put on the
     *  source's year, month and day at the last held-out evaluation; null for other tasks. */
    heldOutAlignment: { year: number | null; month: number | null; day: number | null } | null;
    /** The dates task: the probe date, its target, and the model's output decoded greedily and
     *  teacher-forced; null for other tasks. */
    probe: { source: string; target: string; greedy: string; teacherForced: string } | null;
  }

  /** A shipped trained model a lesson shows (`models/*.safetensors`, fetched when first needed). */
  interface ShippedModel {
    path: string;
    state: "idle" | "loading" | "ready" | "failed";
    /** Why loading failed, or "". */
    error: string;
    /** Once ready: the layer shown (self: the head with the most anti-diagonal weight). */
    layer?: number;
    head?: number;
    /** viz: the number of layers, each head's label and its measured scores (0..1). */
    layers?: number;
    heads?: string[];
    previousTokenScores?: number[];
    inductionScores?: number[];
    /** |the lesson's recomputed weights − the model's own forward|, at most. */
    maxDifference?: number;
  }

  /** Basic: the trained date translator's output for the typed text (`date` parameter). */
  interface Translation {
    /** The text as typed. */
    source: string;
    /** The characters written, without `<eos>` ("2026-11-23"). */
    output: string;
    /** One per decoder step: the character written (`"<eos>"` last when the model ended). */
    tokens: string[];
    /** One per decoder step: the probability of the character written. */
    probabilities: number[];
    /** Unknown characters, a longer text than trained on, no `<eos>`, not a date, or an unsure step. */
    outOfDepth: boolean;
    /** Those reasons in words. */
    warnings: string[];
    /** Why there is no translation (an empty box, too many characters), or "". */
    error: string;
  }

  /** A rectangle in CSS pixels, relative to the canvas. */
  interface CssRect { x: number; y: number; w: number; h: number; }

  /** Where the app put things this frame (`state().layout`), in CSS pixels. */
  interface Layout {
    /** "wide": side panel beside the views; "stacked": one column (phones, narrow frames). */
    mode: "wide" | "stacked";
    /** The lessons as a drop-down menu instead of a row of buttons. */
    lessonMenu: boolean;
    /** `?embed=1`: one lesson, no lesson bar. */
    embed: boolean;
    /** The stacked page's scroll offset and height; the view's own scroll offsets. */
    scrollY: number;
    pageHeight: number;
    viewScrollX: number;
    viewScrollY: number;
    /** The font's height. */
    fontPx: number;
    /** The regions drawn this frame by name ("lessonBar", "player", "playerSlider", each player
     *  button such as "playerFirst", "view", "side", "explain", "controls", "export"); absent when
     *  hidden or not drawn. */
    regions: Record<string, CssRect>;
    /** Every lesson parameter's widget drawn this frame. */
    paramWidgets: Array<CssRect & { name: string; kind: "slider" | "checkbox" | "combo" | "seed" | "text" }>;
  }

  /** `attnlab.state()`: everything the page shows, as plain data. */
  interface State {
    /** The lesson's id (one of `lessons()`' ids) and title. */
    lesson: string;
    lessonTitle: string;
    /** The step player: 0-based index, number of steps, and the step's title and formula. */
    step: number;
    stepCount: number;
    stepTitle: string;
    formula: string;
    /** The step's typed kind, e.g. "softmax_row", "tile_skipped", "note" ("" with no steps). */
    stepKind: string;
    /** The head the step belongs to, or -1. */
    stepHead: number;
    /** A live lesson (training) is running. */
    live: boolean;
    follow: Follow;
    /** Each lesson parameter under its link name (e.g. "d_model"), its value as text. */
    params: Record<string, string>;
    colormap: Colormap;
    /** Presenter mode: font scale 1..3 and the high-contrast theme. */
    fontScale: number;
    highContrast: boolean;
    /** The lesson's error (bad parameters, a failed computation), or "". */
    error: string;
    /** The status line (e.g. "downloaded attnlab-dot.csv", or why a link was refused), or "". */
    status: string;
    hover: Hover | null;
    /** The widget holding keyboard focus in words ("tokens n: 8", "next step"), or null. */
    focus: string | null;
    /** Tab started keyboard navigation between the widgets (Escape or a click ends it). */
    keyboardNav: boolean;
    /** Milliseconds: the live lesson's last slice and its limits, the last frame, the last computation. */
    advanceMs: number;
    frameBudgetMs: number;
    advanceBudgetMs: number;
    frameMs: number;
    computeMs: number;
    /** The query string of the current view (`link()` returns the full URL). */
    link: string;
    heatmaps: HeatmapRect[];
    matrix: ShownMatrix;
    layout: Layout;
    /** Only in the Training lesson. */
    training?: Training;
    /** Only while a lesson shows a shipped trained model (basic: "dates", self: "trained: reverse", viz: "learned heads"). */
    model?: ShippedModel;
    /** Basic's "dates" example: null until the model is ready. */
    translation?: Translation | null;
  }

  /** The names `set()` takes besides lesson parameters (those go by their link names). */
  type Setting = "colormap" | "fontScale" | "highContrast";

  /** Payloads of `attnlab.on(type, listener)`. */
  interface Events {
    /** Another lesson opened ("step" and "params" events for it follow in the same turn). */
    lesson: { lesson: string; lessonTitle: string; previous: string };
    /** The player moved to another step, or the step it shows changed (a live lesson's update). */
    step: {
      lesson: string;
      step: number;
      stepCount: number;
      stepTitle: string;
      stepKind: string;
      stepHead: number;
      formula: string;
    };
    /** Parameter values changed (or another lesson's parameters came in); `changed` lists their names. */
    params: { lesson: string; params: Record<string, string>; changed: string[] };
    /** colormap, fontScale or highContrast changed. */
    settings: { colormap: Colormap; fontScale: number; highContrast: boolean; changed: Setting[] };
    /** The status line or the lesson's error changed. */
    status: { status: string; error: string };
    /** The Training lesson's progress changed (at most once a frame). */
    training: Training;
    /** The mouse moved onto another heatmap cell, or off the heatmaps (null). */
    hover: { hover: Hover | null };
    /** Keyboard focus moved to another widget, or the focused one's value changed. */
    focus: { focus: string | null };
  }

  type EventType = keyof Events;
  type Listener<K extends EventType> = (event: Events[K]) => void;

  interface Api {
    /** Resolved (with the API) after the first frame is drawn. */
    readonly ready: Promise<Api>;
    state(): State;
    lessons(): LessonInfo[];
    /** Opens a lesson; throws an Error naming the known ids for an unknown one. */
    setLesson(id: string): State;
    /** Goes to step i (0-based); throws beyond the last step. */
    step(i: number): State;
    next(): State;
    prev(): State;
    /**
     * A lesson parameter by its link name (`set("dk", 64)`, `set("task", "reverse")`,
     * `set("running", true)`), or a setting. Throws an Error with the app's message when the
     * name is unknown or the value is refused.
     */
    set(name: Setting | (string & {}), value: string | number | boolean): State;
    /** The full deep link of the current view. */
    link(): string;
    /** Downloads the shown matrix as PNG or CSV, the view as a scenario (JSON), or the Training lesson's model (safetensors). */
    export(kind: "png" | "csv" | "json" | "model"): void;
    /** Loads an image or a scenario from its bytes. */
    load(kind: "image" | "scenario" | "model", bytes: Uint8Array | ArrayBuffer): State;
    /**
     * Calls `listener` after the app changes (by the user or through this API): at most once per
     * frame per type, and before an API call that caused it returns. Returns a function that
     * removes the listener.
     */
    on<K extends EventType>(type: K, listener: Listener<K>): () => void;
    /** Removes a listener added with `on`. */
    off<K extends EventType>(type: K, listener: Listener<K>): void;
  }
}

interface Window {
  attnlab: Attnlab.Api;
}

declare var attnlab: Attnlab.Api;
