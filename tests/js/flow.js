// A connector's week after go-live, driven through the official Sage Intacct JS SDK (@intacct/intacct-sdk),
// unchanged. Prints one JSON line per step: {"step", "ok", "value"} or {"step", "ok": false, "error"}.
// Usage: node --require ./resolve_intacct.js flow.js '{"endpoint": ..., "sender": [...], "company": ..., "user": [...]}'
const IA = require("@intacct/intacct-sdk");
const cfgIn = JSON.parse(process.argv[2]);
const ODD = "O'Brien & Sons <Freight> \"Ünïcödé\" 🚚 Ltd";

function config(extra) {
  const c = new IA.ClientConfig();
  c.endpointUrl = cfgIn.endpoint;
  c.senderId = cfgIn.sender[0]; c.senderPassword = cfgIn.sender[1];
  c.companyId = cfgIn.company; c.userId = cfgIn.user[0]; c.userPassword = cfgIn.user[1];
  return Object.assign(c, extra || {});
}

async function step(name, fn) {
  let line;
  try { line = { step: name, ok: true, value: await fn() }; }
  catch (e) { line = { step: name, ok: false, error: { name: e.name, message: e.message, errors: e.errors || [] } }; }
  console.log(JSON.stringify(line));
}

function customer(id, name, controlId) {
  const c = new IA.Functions.AccountsReceivable.CustomerCreate();
  c.customerId = id; c.customerName = name;
  if (controlId) c.controlId = controlId;
  return c;
}

async function readCustomers(client, query) {
  const q = new IA.Functions.Common.ReadByQuery();
  q.objectName = "CUSTOMER"; q.fields = ["CUSTOMERID", "NAME"]; q.query = query;
  const r = (await client.execute(q)).getResult();
  return { count: r.count, data: r.data };
}

(async () => {
  const client = new IA.OnlineClient(config());

  await step("create_customer_odd_name", async () => {
    const r = (await client.execute(customer("C-ODD-1", ODD))).getResult();
    return { status: r.status, data: r.data };
  });
  await step("readByQuery_quoted_name", () => readCustomers(client, "NAME = 'O''Brien & Sons <Freight> \"Ünïcödé\" 🚚 Ltd'"));
  await step("query_case_insensitive", async () => {
    const q = new IA.Functions.Common.NewQuery.Query();
    q.fromObject = "CUSTOMER"; q.caseInsensitive = true;
    q.selectFields = new IA.Functions.Common.NewQuery.QuerySelect.SelectBuilder().addFields(["CUSTOMERID", "NAME"]).selects;
    q.filter = new IA.Functions.Common.NewQuery.QueryFilter.Filter("NAME").equalTo(ODD.toUpperCase());
    const r = (await client.execute(q)).getResult();
    return { count: r.count, data: r.data };
  });
  await step("query_without_select", async () => {
    const q = new IA.Functions.Common.NewQuery.Query(); q.fromObject = "CUSTOMER";
    await client.execute(q);
    return "no error";
  });
  await step("create_invoice_unicode_number", async () => {
    const inv = new IA.Functions.AccountsReceivable.InvoiceCreate();
    inv.customerId = "C-ODD-1"; inv.transactionDate = new Date("2026-11-20T12:00:00Z");
    inv.dueDate = new Date("2026-12-20T12:00:00Z"); inv.invoiceNumber = "LOAD-ÆØÅ-1";
    const line = new IA.Functions.AccountsReceivable.InvoiceLineCreate();
    line.glAccountNumber = "4000"; line.transactionAmount = 1234.56; line.memo = "Line & <memo> ✓";
    inv.lines = [line];
    const r = (await client.execute(inv)).getResult();
    return { status: r.status, key: r.key };
  });
  await step("read_invoice_back", async () => {
    const q = new IA.Functions.Common.ReadByQuery();
    q.objectName = "ARINVOICE"; q.fields = ["RECORDNO", "RECORDID", "TOTALENTERED", "STATE"];
    q.query = "RECORDID = 'LOAD-ÆØÅ-1'";
    return (await client.execute(q)).getResult().data;
  });
  await step("transaction_rolls_back", async () => {
    const rc = new IA.RequestConfig(); rc.transaction = true;
    await client.executeBatch([customer("C-TX-1", "Rolled back", "a1"), customer("C-ODD-1", "duplicate", "b1")], rc);
    return "no error";
  });
  await step("after_rollback", () => readCustomers(client, "CUSTOMERID = 'C-TX-1'"));
  await step("page_with_readMore", async () => {
    for (let i = 0; i < 7; i++) await client.execute(customer("C-PG-" + i, "Pager " + i));
    const q = new IA.Functions.Common.ReadByQuery();
    q.objectName = "CUSTOMER"; q.pageSize = 3; q.fields = ["CUSTOMERID"];
    let r = (await client.execute(q)).getResult();
    const seen = r.data.map((d) => d.CUSTOMERID); const pages = [r.data.length];
    for (let guard = 0; r.numRemaining > 0 && guard < 20; guard++) {
      const m = new IA.Functions.Common.ReadMore(); m.resultId = r.resultId;
      r = (await client.execute(m)).getResult(); seen.push(...r.data.map((d) => d.CUSTOMERID)); pages.push(r.data.length);
    }
    return { total: r.totalCount, seen, pages };
  });
  await step("update_customer_typographic_name", async () => {
    const u = new IA.Functions.AccountsReceivable.CustomerUpdate();
    u.customerId = "C-ODD-1"; u.customerName = "Renamed — “curly” ‘quotes’";
    return (await client.execute(u)).getResult().status;
  });
  await step("read_renamed", () => readCustomers(client, "CUSTOMERID = 'C-ODD-1'"));
  await step("reverse_invoice", async () => {
    const q = new IA.Functions.Common.ReadByQuery();
    q.objectName = "ARINVOICE"; q.fields = ["RECORDNO"]; q.query = "RECORDID = 'LOAD-ÆØÅ-1'";
    const recordNo = Number((await client.execute(q)).getResult().data[0].RECORDNO);
    const rv = new IA.Functions.AccountsReceivable.InvoiceReverse();
    rv.recordNo = recordNo; rv.reverseDate = new Date("2026-11-25T12:00:00Z");
    const status = (await client.execute(rv)).getResult().status;
    const back = new IA.Functions.Common.Read();
    back.objectName = "ARINVOICE"; back.keys = [recordNo]; back.fields = ["STATE", "TOTALDUE"];
    return { status, after: (await client.execute(back)).getResult().data };
  });
  await step("delete_unused_customer", async () => {
    const d = new IA.Functions.AccountsReceivable.CustomerDelete(); d.customerId = "C-PG-6";
    const status = (await client.execute(d)).getResult().status;
    return { status, after: await readCustomers(client, "CUSTOMERID = 'C-PG-6'") };
  });
  await step("delete_invoiced_customer", async () => {
    const d = new IA.Functions.AccountsReceivable.CustomerDelete(); d.customerId = "C-ODD-1";
    await client.execute(d);
    return "no error";
  });
  await step("lookup_customer", async () => {
    const l = new IA.Functions.Common.Lookup(); l.objectName = "CUSTOMER";
    const fields = (await client.execute(l)).getResult().data[0].Fields.Field;
    return fields.filter((f) => f.ID === "NAME" || f.ID === "CUSTOMERID");
  });
  let session;
  await step("api_session", async () => {
    session = (await client.execute(new IA.Functions.ApiSessionCreate())).getResult().data[0];
    return session;
  });
  await step("client_from_session", async () => {
    const c = new IA.ClientConfig();
    c.sessionId = session.sessionid; c.endpointUrl = session.endpoint;
    c.senderId = cfgIn.sender[0]; c.senderPassword = cfgIn.sender[1];
    return readCustomers(new IA.OnlineClient(c), "CUSTOMERID = 'C-PG-0'");
  });
  await step("wrong_password", async () => {
    await new IA.OnlineClient(config({ userPassword: "not-the-password" })).execute(new IA.Functions.ApiSessionCreate());
    return "no error";
  });
})();
