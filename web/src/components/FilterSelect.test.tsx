import { describe, expect, it, vi } from "vitest";
import { byLabel, choose, render } from "../testing";
import { FilterSelect } from "./FilterSelect";

describe("FilterSelect", () => {
  it("offers All, then the choices, and reads the chosen one back", async () => {
    const onChange = vi.fn();
    await render(
      <FilterSelect
        id="status"
        label="Status"
        all="All"
        choices={["OPEN", "PAID"] as const}
        value="OPEN"
        onChange={onChange}
      />,
    );
    const select = byLabel<HTMLSelectElement>("Status");
    const texts = [...select.options].map((option) => option.textContent);
    expect(texts).toEqual(["All", "OPEN", "PAID"]);
    expect(select.value).toBe("OPEN");

    await choose(select, "PAID");
    await choose(select, "");
    expect(onChange.mock.calls).toEqual([["PAID"], [undefined]]);
  });

  it("gives numbers back as numbers", async () => {
    const onChange = vi.fn();
    await render(
      <FilterSelect id="size" label="Per page" choices={[20, 50]} value={20} onChange={onChange} />,
    );
    const select = byLabel<HTMLSelectElement>("Per page");
    expect([...select.options].map((option) => option.value)).toEqual(["20", "50"]);
    await choose(select, "50");
    expect(onChange).toHaveBeenCalledWith(50);
  });
});
