// The low-stock marker of the product list and page.

/** Products with at most this many units available are marked "Low stock". */
export const LOW_STOCK_THRESHOLD = 10;

/** True when `available` units are few enough to mark. */
export function isLowStock(available: number): boolean {
  return available <= LOW_STOCK_THRESHOLD;
}

/** `<span class="low-stock">Low stock</span>` when `available` is low; nothing otherwise. */
export function LowStockMarker({ available }: { available: number }) {
  if (!isLowStock(available)) return null;
  return (
    <>
      {" "}
      <span className="low-stock">Low stock</span>
    </>
  );
}
