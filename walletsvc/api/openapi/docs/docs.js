// Renders /openapi.json as a browsable page with the DOM only (textContent, never innerHTML),
// so nothing is loaded from anywhere but this service.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function resolve(doc, schema) {
  if (!schema || !schema.$ref) return [schema || {}, null];
  const name = schema.$ref.split("/").pop();
  return [doc.components.schemas[name] || {}, name];
}

function constraints(schema) {
  const notes = [];
  for (const key of ["format", "pattern", "minLength", "maxLength", "minimum", "maximum"]) {
    if (schema[key] !== undefined) notes.push(`${key} ${schema[key]}`);
  }
  if (schema.enum) notes.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
  if (schema.nullable) notes.push("may be null");
  if (schema.readOnly) notes.push("read-only");
  if (schema.default !== undefined) notes.push("default " + JSON.stringify(schema.default));
  return notes;
}

function typeOf(schema) {
  if (schema.oneOf) return schema.oneOf.map((s) => s.type).join(" | ");
  if (schema.type === "array") return "array";
  return schema.type || "any";
}

// One line for a schema, and its properties or items below it; `seen` stops recursion.
function renderSchema(doc, raw, seen) {
  const [schema, name] = resolve(doc, raw);
  const head = el("span", {}, el("span", { class: "type" }, name || typeOf(schema)));
  const notes = constraints(schema);
  if (schema.description) notes.unshift(schema.description);
  if (notes.length) head.append(" ", el("span", { class: "note" }, "(" + notes.join("; ") + ")"));
  if (name && seen.includes(name)) return head;
  const inner = name ? seen.concat([name]) : seen;
  const wrapper = el("span", {}, head);
  if (schema.type === "array" && schema.items) {
    wrapper.append(el("ul", { class: "schema" },
      el("li", {}, "items: ", renderSchema(doc, schema.items, inner))));
  }
  if (schema.properties) {
    const required = schema.required || [];
    const list = el("ul", { class: "schema" });
    for (const [prop, sub] of Object.entries(schema.properties)) {
      list.append(el("li", {}, el("code", {}, prop),
        required.includes(prop) ? el("span", { class: "req" }, " *") : null, ": ",
        renderSchema(doc, sub, inner)));
    }
    if (schema.additionalProperties === false) list.append(el("li", { class: "note" }, "no other fields"));
    wrapper.append(list);
  }
  return wrapper;
}

function renderParameters(doc, parameters) {
  if (!parameters || !parameters.length) return null;
  const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "schema")));
  for (const p of parameters) {
    table.append(el("tr", {},
      el("td", {}, el("code", {}, p.name), p.required ? el("span", { class: "req" }, " *") : null),
      el("td", {}, p.in), el("td", {}, renderSchema(doc, p.schema, []))));
  }
  return el("div", {}, el("h4", {}, "Parameters"), table);
}

function renderResponses(doc, responses) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "answer")));
  for (const [status, raw] of Object.entries(responses)) {
    const response = raw.$ref ? doc.components.responses[raw.$ref.split("/").pop()] : raw;
    const content = response.content && response.content["application/json"];
    // Every error has the one Error shape, shown once at the end of the page.
    const isError = content && content.schema.$ref === "#/components/schemas/Error";
    const schema = !content ? null : isError
      ? el("span", { class: "type" }, "Error", el("span", { class: "note" }, " (the error body below)"))
      : renderSchema(doc, content.schema, []);
    table.append(el("tr", {}, el("td", { class: "status" }, status),
      el("td", {}, response.description, schema ? el("div", {}, schema) : null)));
  }
  return el("div", {}, el("h4", {}, "Responses"), table);
}

function renderOperation(doc, path, method, op) {
  const security = (op.security || []).map((req) => Object.keys(req).join(" + ")).join(" or ");
  const body = op.requestBody && op.requestBody.content["application/json"];
  const attrs = { class: "op", id: op.operationId };
  if (location.hash === "#" + op.operationId) attrs.open = "";
  return el("details", attrs,
    el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
      el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || "")),
    el("div", {},
      security ? el("p", {}, "Credentials: ", el("code", {}, security)) : null,
      renderParameters(doc, op.parameters),
      body ? el("div", {}, el("h4", {}, "Request body (application/json)"), renderSchema(doc, body.schema, [])) : null,
      renderResponses(doc, op.responses)));
}

function renderSecurity(doc) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "how"), el("th", {}, "what")));
  for (const [name, scheme] of Object.entries(doc.components.securitySchemes || {})) {
    const how = scheme.type === "apiKey" ? `header ${scheme.name}` : `Authorization: Bearer`;
    table.append(el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, el("code", {}, how)),
      el("td", {}, scheme.description || "")));
  }
  return el("section", {}, el("h2", {}, "Credentials"), table);
}

function render(doc) {
  document.getElementById("title").textContent = `${doc.info.title} ${doc.info.version}`;
  document.getElementById("description").textContent = doc.info.description || "";
  // Groups in the document's tag order: GPAS, Reconciliation, Admin.
  const groups = new Map((doc.tags || []).map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["Other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(renderOperation(doc, path, method, op));
    }
  }
  const main = document.getElementById("api");
  main.replaceChildren(renderSecurity(doc));
  const about = new Map((doc.tags || []).map((tag) => [tag.name, tag.description]));
  for (const [tag, ops] of groups) {
    main.append(el("section", {}, el("h2", {}, tag), el("p", {}, about.get(tag) || ""), ...ops));
  }
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target) target.scrollIntoView();
  main.append(el("section", {}, el("h2", {}, "Error body"), renderSchema(doc, { $ref: "#/components/schemas/Error" }, [])));
}

fetch("/openapi.json")
  .then((response) => response.json())
  .then(render)
  .catch((error) => {
    document.getElementById("api").textContent = "Could not load /openapi.json: " + error;
  });
