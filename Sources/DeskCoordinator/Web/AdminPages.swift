/// The admin pages' templates and styles (role admin: people, tokens, agent keys, macros, SLA policies,
/// the audit log), registered beside the web app's own (`WebPages.templates`). Each page is a plain form
/// posting with the session's CSRF token; the handlers are in `HTTPAPI+WebAdmin.swift`.
///
/// The partials `admin-input`, `admin-textarea` and `admin-select` take one field's dictionary, which
/// always names every key (`error: false` when there is none): Mustache looks a missing key up in the
/// enclosing contexts, and an empty string counts as present.
extension WebPages {
    static let adminTemplates: [(String, String)] = [
        ("admin-nav", """
            <nav class="admin-nav" aria-label="Admin sections"><ul>
            {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>
            {{/nav}}</ul></nav>
            {{#notice}}<p class="notice" role="status" id="notice">{{notice}}</p>{{/notice}}
            {{#problem}}<p class="error" role="alert" id="problem">{{problem}}</p>{{/problem}}
            """),
        ("admin-input", """
            <label for="{{id}}">{{label}}</label>
            <input id="{{id}}" name="{{name}}" type="{{type}}" value="{{value}}"{{#autocomplete}} autocomplete="{{autocomplete}}"{{/autocomplete}} aria-describedby="{{id}}-error{{#help}} {{id}}-help{{/help}}"{{#error}} aria-invalid="true"{{/error}}>
            {{#help}}<p class="help" id="{{id}}-help">{{help}}</p>{{/help}}
            {{#error}}<p class="field-error" id="{{id}}-error">{{error}}</p>{{/error}}
            """),
        ("admin-textarea", """
            <label for="{{id}}">{{label}}</label>
            <textarea id="{{id}}" name="{{name}}" rows="{{rows}}" spellcheck="false" aria-describedby="{{id}}-error{{#help}} {{id}}-help{{/help}}"{{#error}} aria-invalid="true"{{/error}}>
            {{value}}</textarea>
            {{#help}}<p class="help" id="{{id}}-help">{{help}}</p>{{/help}}
            {{#error}}<p class="field-error" id="{{id}}-error">{{error}}</p>{{/error}}
            """),
        ("admin-select", """
            <label for="{{id}}">{{label}}</label>
            <select id="{{id}}" name="{{name}}" aria-describedby="{{id}}-error"{{#error}} aria-invalid="true"{{/error}}>
            {{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{text}}</option>
            {{/options}}</select>
            {{#error}}<p class="field-error" id="{{id}}-error">{{error}}</p>{{/error}}
            """),
        ("admin-index", """
            <div class="admin">
            <h1>Admin</h1>
            {{> admin-nav}}
            <ul class="admin-sections">
            <li><a href="/admin/people">People and roles</a><p>Accounts of staff, bots and customers: add one, change a role, skills or tier, disable or enable.</p></li>
            <li><a href="/admin/tokens">API tokens</a><p>Tokens for programs and gateways: make one (its secret is shown once), see when each was last used, revoke.</p></li>
            <li><a href="/admin/agent-keys">Agent keys</a><p>The CURVE keys agents connect with: make or register one, revoke.</p></li>
            <li><a href="/admin/macros">Macros</a><p>Canned replies and actions: edit with the template check and a preview.</p></li>
            <li><a href="/admin/sla">SLA policies</a><p>The response and resolution targets in force, as one document.</p></li>
            <li><a href="/admin/audit">Audit log</a><p>Every change made by an admin or a sign-in, newest first.</p></li>
            </ul>
            <section id="ticket-types"><h2>Ticket types</h2>
            <p class="muted">Defined in the coordinator's config (<code>ticket_types:</code>; the standard set without it) and read at start: change them there. Every channel's intake checks them; the portal's form is built from them.</p>
            <ul>{{#ticketTypes}}<li><strong>{{label}}</strong> (<code>{{name}}</code>): {{fields}}</li>{{/ticketTypes}}</ul>
            </section>
            </div>
            """),
        ("admin-people", """
            <div class="admin">
            <h1>People and roles</h1>
            {{> admin-nav}}
            <p class="muted" id="people-count">{{count}}</p>
            <div class="table-scroll">
            <table id="people" class="stack">
            <thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Skills</th><th scope="col">Tier</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Change</span></th></tr></thead>
            <tbody>
            {{#people}}<tr{{#disabled}} class="disabled"{{/disabled}}><td data-label="Name">{{name}}</td><td data-label="E-mail">{{email}}</td><td data-label="Role">{{role}}</td><td data-label="Skills">{{skills}}</td><td data-label="Tier">{{tier}}</td><td data-label="State">{{state}}</td><td class="actions"><a href="{{edit}}">Change<span class="visually-hidden"> {{name}}</span></a></td></tr>
            {{/people}}
            </tbody></table>
            </div>
            <section aria-labelledby="add-person">
            <h2 id="add-person">Add a person</h2>
            <form method="post" action="/admin/people" id="person-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="grid">
            <div>{{#form.name}}{{> admin-input}}{{/form.name}}</div>
            <div>{{#form.email}}{{> admin-input}}{{/form.email}}</div>
            <div>{{#form.role}}{{> admin-select}}{{/form.role}}</div>
            <div>{{#form.tier}}{{> admin-select}}{{/form.tier}}</div>
            <div>{{#form.skills}}{{> admin-input}}{{/form.skills}}</div>
            <div>{{#form.password}}{{> admin-input}}{{/form.password}}</div>
            </div>
            <button type="submit">Add the person</button>
            </form>
            </section>
            </div>
            """),
        ("admin-person", """
            <div class="admin">
            <h1>{{person.name}}</h1>
            {{> admin-nav}}
            <p id="person-summary">{{person.role}}{{#person.email}}, {{person.email}}{{/person.email}}; {{person.state}}; since {{person.created}}.</p>
            <section aria-labelledby="change-person">
            <h2 id="change-person">Role, skills, tier and sign-in</h2>
            <form method="post" action="/admin/people/edit" id="person-edit-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="name" value="{{person.name}}">
            <input type="hidden" name="intent" value="save">
            <div class="grid">
            <div>{{#form.role}}{{> admin-select}}{{/form.role}}</div>
            <div>{{#form.tier}}{{> admin-select}}{{/form.tier}}</div>
            <div>{{#form.skills}}{{> admin-input}}{{/form.skills}}</div>
            <div>{{#form.email}}{{> admin-input}}{{/form.email}}</div>
            <div>{{#form.password}}{{> admin-input}}{{/form.password}}</div>
            </div>
            <button type="submit" id="save-person">Save the changes</button>
            </form>
            </section>
            <section aria-labelledby="access-heading">
            <h2 id="access-heading">Access</h2>
            <form method="post" action="/admin/people/edit" id="person-access-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="name" value="{{person.name}}">
            {{#person.disabled}}<p>This account is disabled: it cannot sign in, and its tokens and agent keys do not work.</p>
            <input type="hidden" name="intent" value="enable">
            <button type="submit" id="enable-person">Enable {{person.name}}</button>{{/person.disabled}}
            {{^person.disabled}}<p>Disabling keeps the account's history and stops its sessions, tokens and agent keys at once.</p>
            <input type="hidden" name="intent" value="disable">
            <button type="submit" class="danger" id="disable-person">Disable {{person.name}}</button>{{/person.disabled}}
            {{#accessError}}<p class="field-error" id="access-error">{{accessError}}</p>{{/accessError}}
            </form>
            </section>
            <p><a href="/admin/people">All people</a></p>
            </div>
            """),
        ("admin-tokens", """
            <div class="admin">
            <h1>API tokens</h1>
            {{> admin-nav}}
            <p class="muted" id="tokens-count">{{count}}, newest first. A token's secret is shown once, when it is made; here only its prefix.</p>
            {{#hasTokens}}<div class="table-scroll">
            <table id="tokens" class="stack">
            <thead><tr><th scope="col">Prefix</th><th scope="col">For</th><th scope="col">Account</th><th scope="col">Role or scopes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
            <tbody>
            {{#tokens}}<tr{{^active}} class="disabled"{{/active}}><td data-label="Prefix"><code>{{prefix}}</code></td><td data-label="For">{{name}}</td><td data-label="Account">{{user}}</td><td data-label="Role or scopes">{{scopes}}</td><td data-label="Expires">{{expires}}</td><td data-label="Last used">{{lastUsed}}</td><td data-label="State">{{state}}</td>
            <td class="actions">{{#active}}<form method="post" action="/admin/tokens/revoke" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="prefix" value="{{prefix}}"><button type="submit" class="danger" id="revoke-{{prefix}}">Revoke<span class="visually-hidden"> {{prefix}}</span></button></form>{{/active}}</td></tr>
            {{/tokens}}
            </tbody></table>
            </div>{{/hasTokens}}
            <section aria-labelledby="new-token">
            <h2 id="new-token">Make a token</h2>
            <form method="post" action="/admin/tokens" id="token-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="grid">
            <div>{{#form.name}}{{> admin-input}}{{/form.name}}</div>
            <div>{{#form.user}}{{> admin-select}}{{/form.user}}</div>
            <div>{{#form.days}}{{> admin-input}}{{/form.days}}</div>
            </div>
            <fieldset aria-describedby="token-scopes-error">
            <legend>Scopes (none ticked: everything the account's role may do)</legend>
            <div class="checks">
            {{#scopes}}<label class="check"><input type="checkbox" name="scope-{{value}}" value="on"{{#checked}} checked{{/checked}}> {{value}}</label>
            {{/scopes}}
            </div>
            {{#scopesError}}<p class="field-error" id="token-scopes-error">{{scopesError}}</p>{{/scopesError}}
            </fieldset>
            <button type="submit">Make the token</button>
            </form>
            </section>
            </div>
            """),
        ("admin-token-created", """
            <div class="admin">
            <h1>Token made</h1>
            {{> admin-nav}}
            <section class="secret" aria-labelledby="secret-heading">
            <h2 id="secret-heading">The token for {{name}} ({{user}})</h2>
            <p class="warning" role="alert" id="secret-warning"><strong>Copy it now: it will not be shown again.</strong>
            Desk keeps only its hash; if it is lost, make a new one and revoke this one.</p>
            <label for="token-secret">Token</label>
            <textarea id="token-secret" readonly rows="2" spellcheck="false">
            {{secret}}</textarea>
            <p>Prefix <code id="token-prefix">{{prefix}}</code> (how it is listed and logged){{#expires}}; expires {{expires}}{{/expires}}.</p>
            </section>
            <p><a href="/admin/tokens" id="tokens-link">Back to the tokens</a></p>
            </div>
            """),
        ("admin-agent-keys", """
            <div class="admin">
            <h1>Agent keys</h1>
            {{> admin-nav}}
            {{#coordinatorKey}}<p>The coordinator's public key: <code id="coordinator-key">{{coordinatorKey}}</code></p>{{/coordinatorKey}}
            {{^coordinatorKey}}<p class="notice" id="plain-agents">This coordinator's agent port is plain TCP (<code>--plain-agents</code>, loopback only): agents connect there without keys.</p>{{/coordinatorKey}}
            <p class="muted" id="keys-count">{{count}}, newest first.</p>
            {{#hasKeys}}<div class="table-scroll">
            <table id="agent-keys" class="stack">
            <thead><tr><th scope="col">Agent</th><th scope="col">Name</th><th scope="col">Public key</th><th scope="col">Made</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
            <tbody>
            {{#keys}}<tr{{^active}} class="disabled"{{/active}}><td data-label="Agent">{{agent}}</td><td data-label="Name">{{name}}</td><td data-label="Public key"><code class="key">{{publicKey}}</code></td><td data-label="Made">{{created}}</td><td data-label="State">{{state}}</td>
            <td class="actions">{{#active}}<form method="post" action="/admin/agent-keys/revoke" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="public_key" value="{{publicKey}}"><button type="submit" class="danger">Revoke<span class="visually-hidden"> the key {{name}} of {{agent}}</span></button></form>{{/active}}</td></tr>
            {{/keys}}
            </tbody></table>
            </div>{{/hasKeys}}
            <section aria-labelledby="new-key">
            <h2 id="new-key">Add a key</h2>
            <p>Best: make the key pair on the agent's machine (<code>desk agent-key create</code>) and register only its public key here.
            {{#coordinatorKey}}Or let Desk make the pair: the key file, with its secret key, is then shown once on the next page.{{/coordinatorKey}}</p>
            <form method="post" action="/admin/agent-keys" id="agent-key-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="grid">
            <div>{{#form.agent}}{{> admin-select}}{{/form.agent}}</div>
            <div>{{#form.name}}{{> admin-input}}{{/form.name}}</div>
            </div>
            {{#form.publicKey}}{{> admin-input}}{{/form.publicKey}}
            <div class="buttons">
            <button type="submit" name="intent" value="register" id="register-key">Register the public key</button>
            {{#coordinatorKey}}<button type="submit" name="intent" value="make" id="make-key" class="secondary">Make a key pair here</button>{{/coordinatorKey}}
            </div>
            </form>
            </section>
            </div>
            """),
        ("admin-agent-key-created", """
            <div class="admin">
            <h1>Agent key {{#made}}made{{/made}}{{^made}}registered{{/made}}</h1>
            {{> admin-nav}}
            <section class="secret" aria-labelledby="key-heading">
            <h2 id="key-heading">Key {{name}} of {{agent}}</h2>
            {{#made}}<p class="warning" role="alert" id="secret-warning"><strong>Copy this key file now: it will not be shown again.</strong>
            Whoever has it can act as {{agent}}. Save it on the agent's machine (mode 0600) and start <code>desk agent --key FILE</code>.</p>
            <label for="key-file">Key file</label>
            <textarea id="key-file" readonly rows="7" spellcheck="false">
            {{keyFile}}</textarea>{{/made}}
            {{^made}}<p>The public key <code class="key">{{publicKey}}</code> is registered. The coordinator's public key, for the agent's key file:
            <code id="coordinator-key">{{coordinatorKey}}</code></p>{{/made}}
            </section>
            <p><a href="/admin/agent-keys">Back to the agent keys</a></p>
            </div>
            """),
        ("admin-macros", """
            <div class="admin">
            <h1>Macros</h1>
            {{> admin-nav}}
            <p><a href="/admin/macros/edit" id="new-macro">New macro</a></p>
            {{^hasMacros}}<p id="no-macros">There are no macros yet.</p>{{/hasMacros}}
            {{#hasMacros}}<div class="table-scroll">
            <table id="macros" class="stack">
            <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Reply begins</th><th scope="col">Actions</th><th scope="col"><span class="visually-hidden">Change</span></th></tr></thead>
            <tbody>
            {{#macros}}<tr><td data-label="Name"><a href="{{edit}}">{{name}}</a></td><td data-label="Description">{{description}}</td><td data-label="Reply begins">{{reply}}</td><td data-label="Actions"><code>{{actions}}</code></td>
            <td class="actions"><form method="post" action="/admin/macros/delete" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}"><button type="submit" class="danger">Delete<span class="visually-hidden"> {{name}}</span></button></form></td></tr>
            {{/macros}}
            </tbody></table>
            </div>{{/hasMacros}}
            </div>
            """),
        ("admin-macro", """
            <div class="admin">
            <h1>{{#original}}Macro {{original}}{{/original}}{{^original}}New macro{{/original}}</h1>
            {{> admin-nav}}
            <form method="post" action="/admin/macros/edit" id="macro-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#original}}<input type="hidden" name="original" value="{{original}}">{{/original}}
            <div class="grid">
            <div>{{#form.name}}{{> admin-input}}{{/form.name}}</div>
            <div>{{#form.description}}{{> admin-input}}{{/form.description}}</div>
            </div>
            {{#form.reply}}{{> admin-textarea}}{{/form.reply}}
            <p class="help" id="macro-variables">The reply may use {{variables}}; the tags as a list: <code>{{tagsExample}}</code>.</p>
            {{#form.actions}}{{> admin-textarea}}{{/form.actions}}
            <div class="buttons">
            <button type="submit" name="intent" value="preview" id="preview-macro" class="secondary">Check and preview</button>
            <button type="submit" name="intent" value="save" id="save-macro">Save the macro</button>
            </div>
            </form>
            {{#preview}}<section class="preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading">Preview for a sample ticket</h2>
            <p class="help">Ticket #{{sample.id}} “{{sample.subject}}” from {{sample.requester}}, priority {{sample.priority}}, tags {{sample.tags}}; you as the agent. Nothing is saved until you save.</p>
            <pre id="macro-preview">{{text}}</pre>
            </section>{{/preview}}
            </div>
            """),
        ("admin-articles", """
            <div class="admin">
            <h1>Knowledge base</h1>
            {{> admin-nav}}
            <p><a href="/admin/articles/edit" id="new-article">New article</a> · the help centre: <a href="/help">/help</a></p>
            {{^hasArticles}}<p id="no-articles">There are no articles yet.</p>{{/hasArticles}}
            {{#hasArticles}}<div class="table-scroll">
            <table id="articles" class="stack">
            <thead><tr><th scope="col">Title</th><th scope="col">Category</th><th scope="col">Audience</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Author</th><th scope="col">Changed</th><th scope="col">Views</th><th scope="col">Solved</th><th scope="col">Did not help</th><th scope="col">Linked</th></tr></thead>
            <tbody>
            {{#articles}}<tr><td data-label="Title"><a href="/admin/articles/edit?id={{id}}">{{title}}</a></td><td data-label="Category">{{category}}</td><td data-label="Audience">{{audience}}</td><td data-label="Status">{{status}}</td><td data-label="Version">{{version}}</td><td data-label="Author">{{author}}</td><td data-label="Changed">{{updated}}</td><td data-label="Views">{{views}}</td><td data-label="Solved">{{solved}}</td><td data-label="Did not help">{{notHelpful}}</td><td data-label="Linked">{{linked}}</td></tr>
            {{/articles}}
            </tbody></table>
            </div>{{/hasArticles}}
            </div>
            """),
        ("admin-article", """
            <div class="admin">
            <h1>{{#id}}Article {{id}}{{/id}}{{^id}}New article{{/id}}</h1>
            {{> admin-nav}}
            {{#id}}<p><a href="/help/articles/{{id}}" id="view-article">See it as readers do</a></p>{{/id}}
            <form method="post" action="/admin/articles/edit" id="article-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#id}}<input type="hidden" name="id" value="{{id}}">{{/id}}
            {{#form.title}}{{> admin-input}}{{/form.title}}
            <div class="grid">
            <div>{{#form.category}}{{> admin-input}}{{/form.category}}</div>
            <div>{{#form.tags}}{{> admin-input}}{{/form.tags}}</div>
            <div>{{#form.audience}}{{> admin-select}}{{/form.audience}}</div>
            <div>{{#form.status}}{{> admin-select}}{{/form.status}}</div>
            </div>
            {{#form.body}}{{> admin-textarea}}{{/form.body}}
            <div class="buttons"><button type="submit" id="save-article">Save the article</button></div>
            </form>
            </div>
            """),
        ("admin-sla", """
            <div class="admin">
            <h1>SLA policies</h1>
            {{> admin-nav}}
            <p>The policies in force, as the document <code>PUT /api/v1/sla/policies</code> takes: the config file's <code>sla:</code>
            section as JSON (calendars, policies in matching order, defaults). Saving checks it as the API does, then rebuilds every open ticket's clock under it.</p>
            <form method="post" action="/admin/sla" id="sla-form" novalidate>
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#form.document}}{{> admin-textarea}}{{/form.document}}
            <div class="buttons">
            <button type="submit" name="intent" value="save" id="save-sla">Check and save</button>
            <button type="submit" name="intent" value="reset" class="secondary" id="reset-sla">Go back to the config file's policies</button>
            </div>
            </form>
            </div>
            """),
        ("admin-audit", """
            <div class="admin">
            <h1>Audit log</h1>
            {{> admin-nav}}
            <form method="get" action="/admin/audit" id="audit-filter" class="filter">
            {{#filter}}{{> admin-select}}{{/filter}}
            <button type="submit">Show</button>
            </form>
            {{^hasEntries}}<p id="no-entries">No entries{{#older}} older than these{{/older}}.</p>{{/hasEntries}}
            {{#hasEntries}}<div class="table-scroll">
            <table id="audit" class="stack">
            <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">On</th><th scope="col">Change</th></tr></thead>
            <tbody>
            {{#entries}}<tr><td data-label="When (UTC)">{{at}}</td><td data-label="Who">{{actor}}</td><td data-label="What">{{action}}</td><td data-label="On">{{target}}</td>
            <td data-label="Change">{{#hasChange}}<details><summary>Before and after</summary>{{#before}}<p>Before</p><pre>{{before}}</pre>{{/before}}{{#after}}<p>After</p><pre>{{after}}</pre>{{/after}}</details>{{/hasChange}}</td></tr>
            {{/entries}}
            </tbody></table>
            </div>{{/hasEntries}}
            <p class="pager">{{#older}}<a href="{{newest}}">Newest</a>{{/older}}{{#next}} <a href="{{next}}" id="older-entries">Older entries</a>{{/next}}</p>
            </div>
            """),
        ("admin-refused", """
            <div class="admin">
            <h1>Not for you</h1>
            <p class="error" role="alert" id="refused">You cannot open this page: {{message}}.</p>
            <p>The admin pages are for the role admin. <a href="/">Back to your home page</a>.</p>
            </div>
            """),
        ("admin-problem", """
            <div class="admin">
            <h1>That did not work</h1>
            {{> admin-nav}}
            <p class="error" role="alert" id="problem-detail">{{message}}</p>
            <p><a href="{{back}}">Back</a></p>
            </div>
            """),
    ]

    static let adminCSS = """

        main:has(> .admin) { max-width: 80rem; }
        .admin-nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; margin: 0 0 1rem; }
        .admin-nav a[aria-current] { font-weight: 700; text-decoration: none; color: inherit; }
        .admin-sections { list-style: none; padding: 0; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
        .admin-sections li { background: #fff; border: 1px solid #dde1e8; border-radius: .5rem; padding: 1rem; }
        .admin-sections a { font-weight: 700; }
        .admin .grid { display: grid; gap: 0 1.5rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
        .admin select { display: block; width: 100%; max-width: 24rem; padding: .5rem; margin-top: .25rem; box-sizing: border-box; font: inherit; }
        .admin textarea { max-width: none; font-family: ui-monospace, monospace; }
        .admin .help { color: #4b5568; font-size: .9rem; margin: .25rem 0 0; }
        .admin .muted { color: #4b5568; }
        .admin .notice { background: #e8f5ec; border: 1px solid #a8d5b5; padding: .5rem .75rem; border-radius: .35rem; }
        .admin .warning { background: #fff4d6; border: 1px solid #e8c35a; padding: .5rem .75rem; border-radius: .35rem; }
        .admin .table-scroll { overflow-x: auto; margin-bottom: 1rem; position: relative; }
        .admin table { font-size: .95rem; }
        .admin tr.disabled td { color: #6b7382; }
        .admin code.key { word-break: break-all; }
        .admin fieldset { border: 1px solid #dde1e8; border-radius: .35rem; margin-top: 1rem; }
        .admin .checks { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
        .admin label.check { display: inline-flex; gap: .35rem; align-items: center; font-weight: 400; margin-top: .25rem; }
        .admin label.check input { width: auto; margin: 0; }
        .admin .buttons { display: flex; flex-wrap: wrap; gap: .75rem; }
        .admin button.secondary { background: #fff; color: #2f5bd3; border: 1px solid #2f5bd3; }
        .admin button.danger { background: #a1121a; }
        .admin form.inline button { padding: .25rem .75rem; }
        .admin .secret textarea { font-size: 1rem; }
        .admin pre { white-space: pre-wrap; word-break: break-word; background: #f0f2f6; padding: .75rem; border-radius: .35rem; }
        .admin details pre { font-size: .85rem; margin: .25rem 0; }
        .admin .filter { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin-bottom: 1rem; }
        .admin .filter label { margin-top: 0; }
        .admin .filter button { margin-top: 0; }
        .admin .pager a { margin-right: 1rem; }
        @media (max-width: 40rem) {
          .admin table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
          .admin table.stack, .admin table.stack tbody, .admin table.stack tr { display: block; }
          .admin table.stack tr { border: 1px solid #dde1e8; border-radius: .5rem; margin-bottom: .75rem; padding: .25rem .5rem; background: #fff; }
          .admin table.stack td, .admin table.stack td:nth-child(4) { display: flex; gap: .75rem; border: 0; padding: .25rem 0; overflow-wrap: anywhere; }
          .admin table.stack td::before { content: attr(data-label); flex: 0 0 7rem; font-weight: 600; color: #4b5568; }
          .admin table.stack td.actions:empty { display: none; }
          .admin table.stack td > details { min-width: 0; }
        }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        """
}
