import Foundation
import Mustache

/// The web app's pages, server-rendered from Mustache templates compiled into the binary (no files to
/// deploy, nothing from a CDN). `{{ }}` escapes HTML; every page shares the layout. This is the web app's
/// door (sign-in, the customer's requests); the staff workspace and the lead dashboard come with issue 15.
struct WebPages: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in Self.templates + Self.workspaceTemplates + Self.adminTemplates + Self.helpTemplates {
            // The templates are constants of this file: a parse error is a programming error caught by tests.
            library.register(try! MustacheTemplate(string: text), named: name)
        }
        self.library = library
    }

    /// The page `name` with `context`, inside the layout titled `title`.
    /// A value that is an absent optional (`nil as Any`) is left out, so its section does not show: a boxed
    /// `nil` would otherwise count as present and print "nil".
    func render(_ name: String, title: String, _ given: [String: Any] = [:]) -> String {
        var context = Self.withoutNils(given)
        context["title"] = title
        context["body"] = library.render(context, withTemplate: name) ?? ""
        return library.render(context, withTemplate: "layout") ?? ""
    }

    /// `context` without absent optionals, at any depth (rows of a list included).
    static func withoutNils(_ context: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in context where !isNil(value) {
            if let nested = value as? [String: Any] {
                out[key] = withoutNils(nested)
            } else if let rows = value as? [[String: Any]] {
                out[key] = rows.map(withoutNils)
            } else {
                out[key] = value
            }
        }
        return out
    }

    static func isNil(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }

    static let templates: [(String, String)] = [
        ("layout", """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · Desk</title>
            <link rel="stylesheet" href="/static/desk.css">
            <script src="/static/desk.js" defer></script>
            </head>
            <body>
            <header><a class="brand" href="/">Desk</a><a class="help-link" href="/help">Help centre</a>{{#who}}<span class="who">{{name}} ({{role}})</span>
            <form method="post" action="/auth/sign-out" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" id="sign-out">Sign out</button></form>{{/who}}</header>
            <main>
            {{{body}}}
            </main>
            </body>
            </html>
            """),
        ("sign-in", """
            <h1>Sign in</h1>
            {{#error}}<p class="error" role="alert" id="sign-in-error">{{error}}</p>{{/error}}
            <section>
            <h2>Staff</h2>
            <form method="post" action="/sign-in" id="password-form">
            <label for="login">Name or e-mail</label>
            <input id="login" name="login" autocomplete="username" required value="{{login}}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            </section>
            <section>
            <h2>Customers</h2>
            <p>We e-mail you a link that signs you in once, within 15 minutes.</p>
            {{#linkError}}<p class="error" role="alert" id="link-error">{{linkError}}</p>{{/linkError}}
            <form method="post" action="/sign-in/link" id="link-form">
            <label for="email">Your e-mail address</label>
            <input id="email" name="email" type="email" autocomplete="email" required>
            <button type="submit">E-mail me a sign-in link</button>
            </form>
            </section>
            """),
        ("link-sent", """
            <h1>Check your mail</h1>
            <p id="link-sent">If <strong>{{email}}</strong> is the address of one of our customers, a sign-in link is on its way.
            It works once, within 15 minutes.</p>
            <p><a href="/sign-in">Back to sign-in</a></p>
            """),
        ("home", """
            <h1>Welcome, {{name}}</h1>
            <p id="signed-in">You are signed in as <strong>{{name}}</strong>, {{role}}.</p>
            <ul class="links">
            <li><a href="/work" id="go-work">Workspace</a>: your tickets and your queues. Opening it puts you online: tickets are assigned to you until you set yourself away or sign out.</li>
            {{#lead}}<li><a href="/lead" id="go-lead">Dashboard</a>: queues, agents, SLA breaches, live.</li>{{/lead}}
            </ul>
            {{#isAdmin}}<p><a href="/admin" id="admin-link">Admin: people, tokens, agent keys, macros, SLA policies, audit log</a></p>{{/isAdmin}}
            """),
        ("new-request", """
            <h1>New request</h1>
            {{#error}}<p class="error" role="alert" id="form-error">Please check the field marked below.</p>{{/error}}
            <form method="get" action="/portal/new" id="type-form" class="row">
            <label for="type-choice">What is it about?</label>
            <select id="type-choice" name="type"><option value="">(choose)</option>{{#types}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select>
            <button type="submit" id="type-continue">Continue</button>
            </form>
            <form method="post" action="/portal/new" id="request-form" novalidate data-suggest="1">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="idempotency_key" value="{{key}}">
            <input type="hidden" name="draft" id="draft" value="{{draft}}">
            {{#type}}<input type="hidden" name="type" value="{{name}}"><p class="kind">Request type: <strong>{{label}}</strong></p>{{/type}}
            {{^signedIn}}
            <label for="requester">Your e-mail address</label>
            <input id="requester" name="requester" type="email" autocomplete="email" value="{{requester}}" aria-describedby="requester-error">
            {{#requesterError}}<p class="field-error" id="requester-error">{{requesterError}}</p>{{/requesterError}}
            {{/signedIn}}
            <label for="subject">Subject</label>
            <input id="subject" name="subject" value="{{subject}}" aria-describedby="subject-error">
            {{#subjectError}}<p class="field-error" id="subject-error">{{subjectError}}</p>{{/subjectError}}
            <label for="body">What happened, and what did you try?</label>
            <textarea id="body" name="body" rows="8" aria-describedby="body-error">{{body}}</textarea>
            {{#bodyError}}<p class="field-error" id="body-error">{{bodyError}}</p>{{/bodyError}}
            <section id="suggestions" class="suggestions" aria-live="polite" hidden>
            <h2>These articles may answer it</h2>
            <ul id="suggestion-list"></ul>
            <p class="muted">Not what you need? Go on and send the request below.</p>
            </section>
            {{#typeFields}}
            <label for="f_{{name}}">{{label}}{{^required}} (optional){{/required}}</label>
            {{#text}}<input id="f_{{name}}" name="f_{{name}}" value="{{value}}" aria-describedby="f_{{name}}-error">{{/text}}
            {{#textarea}}<textarea id="f_{{name}}" name="f_{{name}}" rows="4" aria-describedby="f_{{name}}-error">{{value}}</textarea>{{/textarea}}
            {{#choice}}<select id="f_{{name}}" name="f_{{name}}" aria-describedby="f_{{name}}-error"><option value="">(choose)</option>{{#choices}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/choices}}</select>{{/choice}}
            {{#help}}<p class="help">{{help}}</p>{{/help}}
            {{#fieldError}}<p class="field-error" id="f_{{name}}-error">{{fieldError}}</p>{{/fieldError}}
            {{/typeFields}}
            <button type="submit">Send the request</button>
            </form>
            """),
        ("request-suggestions", """
            <h1>Before you send it</h1>
            <p id="suggest-intro">These articles may already answer your request <strong>{{subject}}</strong>:</p>
            <ul id="suggestion-list" class="suggestions">
            {{#suggestions}}<li class="suggestion"><a href="/help/articles/{{id}}?draft={{draft}}" target="_blank" rel="noopener" class="suggestion-link">{{title}}</a>
            <p>{{{snippet}}}</p>
            <form method="post" action="/portal/deflect" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="draft" value="{{draft}}"><input type="hidden" name="article_id" value="{{id}}"><button type="submit" class="solved" id="solved-{{id}}">This solved my problem</button></form></li>
            {{/suggestions}}
            </ul>
            <form method="post" action="/portal/new" id="continue-form">
            {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
            <button type="submit" id="continue">No, send my request</button>
            </form>
            """),
        ("request-deflected", """
            <h1>Glad that helped</h1>
            <p id="deflected">No request was sent{{#title}}: <a href="/help/articles/{{id}}">{{title}}</a> answered it{{/title}}. If the problem comes back, <a href="/portal/new">ask us</a>.</p>
            """),
        ("request-received", """
            <h1>Request received</h1>
            <p id="received">Your request <strong id="ticket-number">#{{id}}</strong> is in. Where it stands:
            <strong id="ticket-status">{{status}}</strong>.</p>
            <p>{{#signedIn}}<a href="/portal">My requests</a>{{/signedIn}}{{^signedIn}}<a href="/sign-in">Sign in to follow it</a>{{/signedIn}}</p>
            """),
        ("portal", """
            <h1>My requests</h1>
            <p><a href="/portal/new" id="new-request">New request</a></p>
            {{^hasTickets}}<p id="no-requests">You have no requests with us.</p>{{/hasTickets}}
            {{#hasTickets}}
            <table id="requests">
            <thead><tr><th scope="col">#</th><th scope="col">Subject</th><th scope="col">Where it stands</th><th scope="col">Opened</th></tr></thead>
            <tbody>
            {{/hasTickets}}
            {{#tickets}}<tr><td>{{id}}</td><td><a href="/portal/tickets/{{id}}">{{subject}}</a></td><td class="status">{{status}}{{#expected}}<br><small>{{expected}}</small>{{/expected}}</td><td>{{opened}}</td></tr>
            {{/tickets}}
            {{#hasTickets}}</tbody></table>{{/hasTickets}}
            """),
    ]

    /// Where a ticket stands, in the customer's words.
    static func plainStatus(_ status: String) -> String {
        switch status {
        case "new", "pending_assignment": "Waiting for an agent"
        case "in_progress": "An agent is working on it"
        case "waiting_on_customer": "Waiting for your answer"
        case "pending_confirmation": "Answered: please confirm it is solved"
        case "resolved", "closed", "archived": "Resolved"
        default: status
        }
    }

    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
        body { margin: 0; }
        header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1.25rem; background: #1d2330; color: #fff; }
        header .brand { color: #fff; font-weight: 700; text-decoration: none; margin-right: auto; }
        header .who { opacity: .85; }
        main { max-width: 56rem; margin: 0 auto; padding: 1.25rem; }
        section { background: #fff; border: 1px solid #dde1e8; border-radius: .5rem; padding: 1rem 1.25rem; margin-bottom: 1rem; }
        label { display: block; margin-top: .75rem; font-weight: 600; }
        .field-error { color: #a1121a; margin: .25rem 0 0; }
        textarea { display: block; width: 100%; max-width: 36rem; padding: .5rem; margin-top: .25rem; box-sizing: border-box; font: inherit; }
        input { display: block; width: 100%; max-width: 24rem; padding: .5rem; margin-top: .25rem; box-sizing: border-box; }
        button { margin-top: 1rem; padding: .5rem 1rem; border: 0; border-radius: .35rem; background: #2f5bd3; color: #fff; cursor: pointer; }
        form.inline, form.inline button { display: inline; margin: 0; }
        .error { color: #a1121a; background: #fdecee; border: 1px solid #f3b6bc; padding: .5rem .75rem; border-radius: .35rem; }
        table { width: 100%; border-collapse: collapse; background: #fff; }
        th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #dde1e8; }
        @media (max-width: 40rem) { th:nth-child(4), td:nth-child(4) { display: none; } }
        """
}
