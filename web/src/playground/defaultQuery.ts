// The operation the playground opens with: it crosses three subgraphs (billing's invoices,
// customers' names, inventory's product names), so its plan shows fetches and flattens.

/** The query editor's contents on a first visit (GraphiQL keeps later edits in localStorage). */
export const DEFAULT_QUERY = `# Invoices (billing) with
# their customer (customers)
# and products (inventory).
# Run it, see its query plan.
query PlaygroundInvoices {
  invoices(first: 5) {
    totalCount
    nodes {
      number
      status
      total {
        amount
        currency
      }
      customer {
        name
      }
      items {
        quantity
        product {
          name
        }
      }
    }
  }
}
`;
