// usage.ts: how a course page uses window.attnlab from TypeScript. tests/e2e/api-types.test.mjs
// type-checks it against the site's attnlab.d.ts (strict); the lines marked @ts-expect-error
// must be errors, so the declarations cannot quietly accept anything.

async function course(): Promise<void> {
  const api: Attnlab.Api = await window.attnlab.ready;
  const lessons: Attnlab.LessonInfo[] = api.lessons();
  const first: string = lessons[0].id;
  let s: Attnlab.State = api.setLesson(first);
  const count: number = s.stepCount;
  const title: string = s.stepTitle;
  s = api.step(Math.max(0, count - 1));
  s = api.set("dk", 64);
  s = api.set("running", true);
  s = api.set("fontScale", 1.5);
  s = api.set("colormap", "magma");
  const labels: string[] = s.matrix.rowLabels.concat(s.matrix.colLabels);
  const data: number[] | null = s.matrix.data;
  const budget: number = s.frameBudgetMs + s.advanceBudgetMs + s.frameMs + s.advanceMs + s.computeMs;
  const accuracy: number | null | undefined = s.training?.heldOutAccuracy;
  const hovered: number | undefined = s.hover?.value;

  const off = api.on("step", (e) => {
    const where: string = `${e.lesson} ${e.step + 1}/${e.stepCount}: ${e.stepTitle} ${e.formula}`;
    console.log(where, e.stepKind, e.stepHead);
  });
  off();
  api.on("lesson", (e) => console.log(e.lesson, e.lessonTitle, e.previous));
  api.on("params", (e) => console.log(e.changed.map((k) => `${k}=${e.params[k]}`)));
  api.on("settings", (e) => console.log(e.colormap, e.fontScale, e.highContrast, e.changed));
  api.on("status", (e) => console.log(e.status, e.error));
  const onTraining = (t: Attnlab.Training) => console.log(t.step, t.loss, t.running);
  api.on("training", onTraining);
  api.off("training", onTraining);
  api.on("hover", (e) => console.log(e.hover ? e.hover.value : "off"));
  api.on("focus", (e) => console.log(e.focus ?? "nothing focused"));
  const nav: boolean = s.keyboardNav;
  const focused: string | null = s.focus;
  console.log(nav, focused);
  attnlab.export("csv");
  attnlab.load("scenario", new Uint8Array([123, 125]));
  const link: string = attnlab.link();
  console.log(title, labels, data, budget, accuracy, hovered, link);

  // @ts-expect-error: state() keys are camelCase
  console.log(s.step_count);
  // @ts-expect-error: no such event
  api.on("steps", () => {});
  // @ts-expect-error: a step event has no "training" field
  api.on("step", (e) => console.log(e.training));
  // @ts-expect-error: export kinds are png, csv, json
  api.export("pdf");
  // @ts-expect-error: a value is a string, number or boolean
  api.set("dk", { value: 64 });
}
course();
