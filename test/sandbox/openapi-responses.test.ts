import { describe, expect, it } from "vitest";
import { shapeResponse } from "./openapi-responses.js";

describe("shapeResponse", () => {
  it("completes the required properties the sandbox left out, with documented types", () => {
    const { body, problems } = shapeResponse("GET", "/repos/{owner}/{repo}/issues/{issue_number}", 200, {
      number: 7,
      title: "t",
      state: "open",
    });
    expect(problems).toEqual([]);
    expect(body).toMatchObject({
      number: 7,
      title: "t",
      id: expect.any(Number),
      url: expect.any(String),
      user: null,
    });
  });

  it("reports a field of the wrong type and a value outside an enum", () => {
    const { problems } = shapeResponse("POST", "/repos/{owner}/{repo}/check-runs", 201, {
      id: "12",
      status: "running",
    });
    expect(problems.join("\n")).toMatch(/body\.id: expected integer, got string/);
    expect(problems.join("\n")).toMatch(/body\.status: "running" is not one of/);
  });

  it("reports an undocumented status or operation", () => {
    expect(shapeResponse("GET", "/repos/{owner}/{repo}", 201, {}).problems[0]).toMatch(
      /status 201 not documented/,
    );
    expect(shapeResponse("PUT", "/repos/{owner}/{repo}/nothing", 200, {}).problems[0]).toMatch(
      /no such operation/,
    );
  });
});
