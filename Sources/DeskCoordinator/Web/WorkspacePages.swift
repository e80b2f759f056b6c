import DeskModel
import Foundation

/// The staff workspace, the customer's ticket page and the lead dashboard: templates, their script and
/// their styles. A region marked `data-live` is fetched again (the same URL) when the live stream says
/// something changed; forms sit outside it, so nothing typed is lost.
extension WebPages {
    static let workspaceTemplates: [(String, String)] = [
        ("not-found", """
            <h1>Not found</h1>
            <p id="not-found">There is no such page, or it is not yours to see.</p>
            <p><a href="/">Home</a></p>
            """),
        ("workspace", """
            <h1>Workspace</h1>
            <nav class="tabs"><a href="/work">Tickets</a>{{#lead}} · <a href="/lead">Dashboard</a>{{/lead}}</nav>
            <p id="assigned-notice" class="notice" role="status" hidden></p>
            <section class="bar">
            <form method="post" action="/work/availability" id="availability-form" class="row">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span id="desk-state" class="state {{state}}">{{stateText}}</span>
            <label for="away">Availability</label>
            <select id="away" name="away"><option value="no"{{^away}} selected{{/away}}>Available</option><option value="yes"{{#away}} selected{{/away}}>Away</option></select>
            <label for="capacity">Tickets at once</label>
            <input id="capacity" name="capacity" type="number" min="1" max="50" value="{{capacity}}">
            <button type="submit">Save</button>
            <label class="check"><input type="checkbox" id="sound"> Sound on new tickets</label>
            </form>
            </section>
            <div data-live="all">
            <h2>My tickets</h2>
            {{^mine}}<p id="no-mine">Nothing assigned to you right now.</p>{{/mine}}
            {{#hasMine}}<div class="scroll-x"><table id="my-tickets"><thead><tr><th>#</th><th>Subject</th><th>Priority</th><th>SLA</th><th>Waiting</th><th>Customer</th><th>Tier</th></tr></thead><tbody>
            {{#mine}}<tr data-mine="{{id}}">{{> ticket-row}}</tr>{{/mine}}
            </tbody></table></div>{{/hasMine}}
            <h2>Queue</h2>
            </div>
            <form method="get" action="/work" class="row" id="queue-filter">
            <label for="priority">Priority</label>
            <select id="priority" name="priority"><option value="">any</option>{{#priorities}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/priorities}}</select>
            <label for="sort">Sort</label>
            <select id="sort" name="sort"><option value="oldest"{{^newest}} selected{{/newest}}>oldest first</option><option value="newest"{{#newest}} selected{{/newest}}>newest first</option></select>
            <button type="submit">Filter</button>
            </form>
            <div data-live="all" id="queue-region">
            {{^queue}}<p id="queue-empty">No ticket is waiting in your queues.</p>{{/queue}}
            {{#hasQueue}}<div class="scroll-x"><table id="queue"><thead><tr><th>#</th><th>Subject</th><th>Priority</th><th>SLA</th><th>Waiting</th><th>Customer</th><th>Tier</th></tr></thead><tbody>
            {{#queue}}<tr>{{> ticket-row}}</tr>{{/queue}}
            </tbody></table></div>{{/hasQueue}}
            </div>
            """),
        ("ticket-row", """
            <td>{{id}}</td><td><a href="/work/tickets/{{id}}">{{subject}}</a></td><td class="prio {{priority}}">{{priority}}</td>
            <td>{{#due}}<span class="due {{dueClass}}" data-due="{{due}}" data-span="{{span}}">{{dueText}}</span>{{/due}}{{^due}}–{{/due}}</td>
            <td>{{waiting}}</td><td>{{requester}}</td><td>{{tier}}</td>
            """),
        ("staff-ticket", """
            <p><a href="/work">← Workspace</a></p>
            <h1>#{{id}} {{subject}}</h1>
            {{#notice}}<p class="notice" role="status" id="action-notice">{{notice}}</p>{{/notice}}
            {{#error}}<p class="error" role="alert" id="action-error">{{error}}</p>{{/error}}
            <div class="ticket-layout">
            <div data-live="{{id}}">
            <section class="facts" aria-label="Ticket">
            <dl>
            <dt>Status</dt><dd id="ticket-status">{{status}}</dd>
            <dt>Assignee</dt><dd id="ticket-assignee">{{assignee}}</dd>
            <dt>Requester</dt><dd>{{requester}}</dd>
            {{#typeLabel}}<dt>Type</dt><dd id="ticket-type">{{typeLabel}}</dd>{{/typeLabel}}
            {{#typeFields}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/typeFields}}
            <dt>Priority</dt><dd class="prio {{priority}}">{{priority}}</dd>
            <dt>Category</dt><dd>{{category}}</dd>
            <dt>Tier</dt><dd>{{tier}}</dd>
            <dt>Tags</dt><dd>{{tags}}</dd>
            {{#clocks}}<dt>{{name}}</dt><dd><span class="due {{dueClass}}" data-due="{{due}}" data-span="{{span}}">{{dueText}}</span> <small>({{at}})</small></dd>{{/clocks}}
            </dl>
            </section>
            <section aria-label="Conversation" id="conversation">
            <h2>Conversation</h2>
            {{#messages}}<article class="message {{kind}}"><header><strong>{{from}}</strong> <small>{{at}}</small>{{#note}} <span class="badge">Internal note</span>{{/note}}</header><p>{{body}}</p></article>{{/messages}}
            </section>
            <details id="history"><summary>History ({{historyCount}})</summary>
            <ol>{{#history}}<li><small>{{at}}</small> <strong>{{kind}}</strong> {{actor}} {{detail}}</li>{{/history}}</ol>
            </details>
            </div>
            {{#mine}}
            <section aria-label="Actions" id="actions">
            <p class="keys">Keys: <kbd>r</kbd> reply · <kbd>n</kbd> note · <kbd>x</kbd> resolve</p>
            <form method="post" action="/work/tickets/{{id}}" id="reply-form">{{> action-hidden}}
            <label for="reply-body">Reply to the customer</label><textarea id="reply-body" name="body" rows="4"></textarea>
            <button type="submit" name="action" value="reply">Send reply</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="note-form">{{> action-hidden}}
            <label for="note-body">Internal note (staff only)</label><textarea id="note-body" name="body" rows="3" class="note-input"></textarea>
            <button type="submit" name="action" value="note">Add note</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="macro-form">{{> action-hidden}}
            <label for="macro">Macro</label>
            <select id="macro" name="macro">{{#macros}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}{{#description}} — {{description}}{{/description}}</option>{{/macros}}</select>
            <button type="submit" name="action" value="preview" id="macro-preview">Preview</button>
            {{#preview}}<div class="preview" id="macro-preview-text"><p><strong>The customer will read:</strong></p><p>{{text}}</p>{{#effects}}<p><small>{{effects}}</small></p>{{/effects}}</div>
            <button type="submit" name="action" value="macro" id="macro-send">Apply “{{name}}”</button>{{/preview}}
            </form>
            <form method="post" action="/work/tickets/{{id}}" id="status-form" class="row">{{> action-hidden}}
            <label for="status">Status</label>
            <select id="status" name="status"><option value="waiting_on_customer">waiting on customer</option><option value="pending_confirmation">pending confirmation</option><option value="in_progress">in progress</option></select>
            <button type="submit" name="action" value="status">Set</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="update-form" class="row">{{> action-hidden}}
            <label for="new-priority">Priority</label><select id="new-priority" name="priority"><option value="">unchanged</option>{{#priorities}}<option>{{name}}</option>{{/priorities}}</select>
            <label for="new-category">Category</label><input id="new-category" name="category" value="">
            <label for="add-tags">Add tags</label><input id="add-tags" name="add_tags" placeholder="a, b">
            <label for="remove-tags">Remove tags</label><input id="remove-tags" name="remove_tags">
            <button type="submit" name="action" value="update">Change</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="escalate-form" class="row">{{> action-hidden}}
            <label for="tier">Escalate to tier</label><input id="tier" name="tier" type="number" min="1" max="3" value="{{nextTier}}">
            <label for="escalate-reason">Reason</label><input id="escalate-reason" name="reason">
            <button type="submit" name="action" value="escalate">Escalate</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="release-form" class="row">{{> action-hidden}}
            <label for="release-reason">Release, reason</label><input id="release-reason" name="reason">
            <button type="submit" name="action" value="release">Release</button></form>
            <form method="post" action="/work/tickets/{{id}}" id="resolve-form" class="row">{{> action-hidden}}
            <label for="resolution">Resolution</label><input id="resolution" name="resolution">
            <button type="submit" name="action" value="resolve" id="resolve">Resolve</button></form>
            </section>
            {{/mine}}
            {{^mine}}{{#open}}<section id="not-mine"><p>This ticket is not assigned to you{{#assigned}} (it is {{assignee}}'s){{/assigned}}: its actions are with its holder.</p>
            {{#canTake}}<form method="post" action="/work/tickets/{{id}}" id="take-form">{{> action-hidden}}<button type="submit" name="action" value="take">Take it</button></form>{{/canTake}}</section>{{/open}}{{/mine}}
            {{#related}}<section id="related" aria-label="Related knowledge">
            <h2>Related</h2>
            {{#hasArticles}}<h3>Articles that may answer it</h3><ul class="suggestions" id="related-articles">{{#articles}}<li class="suggestion"><a href="/help/articles/{{id}}" target="_blank" rel="noopener">{{title}}</a>{{#internal}} <span class="badge">Internal</span>{{/internal}}
            {{#linkable}}<button type="button" class="link-article" data-link="{{link}}" data-title="{{title}}">Link in reply</button>{{/linkable}}<p>{{{snippet}}}</p></li>{{/articles}}</ul>{{/hasArticles}}
            {{#hasAnswers}}<h3>Similar resolved tickets</h3><ul class="suggestions" id="related-answers">{{#answers}}<li class="suggestion"><a href="/work/tickets/{{ticket}}">#{{ticket}}</a> <span>{{{question}}}</span><p>{{{answer}}}</p></li>{{/answers}}</ul>{{/hasAnswers}}
            {{^hasArticles}}{{^hasAnswers}}<p class="muted" id="related-none">No article or past answer matches this ticket yet.</p>{{/hasAnswers}}{{/hasArticles}}
            {{#canDraft}}<form method="post" action="/work/tickets/{{id}}/draft-article" id="draft-article-form"><input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" id="draft-article">Draft an article from this answer</button></form>{{/canDraft}}
            </section>{{/related}}
            </div>
            """),
        ("action-hidden", """
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="key" value="{{key}}"><input type="hidden" name="epoch" value="{{epoch}}">
            """),
        ("portal-ticket", """
            <p><a href="/portal">← My requests</a></p>
            <h1>Request #{{id}}: {{subject}}</h1>
            {{#notice}}<p class="notice" role="status" id="portal-notice">{{notice}}</p>{{/notice}}
            {{#error}}<p class="error" role="alert" id="portal-error">{{error}}</p>{{/error}}
            <div data-live="{{id}}">
            <p>Where it stands: <strong id="request-status">{{status}}</strong>{{#expected}} · {{expected}}{{/expected}}</p>
            <section aria-label="Conversation" id="conversation">
            {{#messages}}<article class="message {{#support}}support{{/support}}"><header><strong>{{from}}</strong> <small>{{at}}</small></header><p>{{body}}</p></article>{{/messages}}
            </section>
            </div>
            {{#confirm}}<section id="confirm">
            <h2>Is your problem solved?</h2>
            <form method="post" action="/portal/tickets/{{id}}/confirm" id="confirm-form"><input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" name="solved" value="yes" id="confirm-solved">Yes, it is solved</button></form>
            <form method="post" action="/portal/tickets/{{id}}/confirm" id="not-solved-form"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="comment">What is still wrong?</label><textarea id="comment" name="comment" rows="3"></textarea>
            <button type="submit" name="solved" value="no" id="not-solved">No, it is not solved</button></form>
            </section>{{/confirm}}
            {{#canReply}}{{^confirm}}<section><form method="post" action="/portal/tickets/{{id}}/reply" id="portal-reply-form"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="portal-reply">Your answer</label><textarea id="portal-reply" name="body" rows="4"></textarea>
            <button type="submit">Send</button></form></section>{{/confirm}}{{/canReply}}
            """),
        ("dashboard", """
            <h1>Dashboard</h1>
            <nav class="tabs"><a href="/work">Tickets</a> · <a href="/lead">Dashboard</a></nav>
            <div data-live="all" class="dash" id="dashboard">
            <section><h2>Queue</h2><p class="big" id="queued">{{queued}}</p><p>waiting for an agent · <span id="open-count">{{open}}</span> open</p>
            <table id="by-priority"><tbody>{{#byPriority}}<tr><th>{{name}}</th><td>{{count}}</td></tr>{{/byPriority}}</tbody></table>
            {{#oldest}}<p>Oldest waiting: <a href="/work/tickets/{{id}}">#{{id}}</a>, {{waiting}}</p>{{/oldest}}</section>
            <section><h2>By queue</h2><table id="by-queue"><thead><tr><th>Skill</th><th>Tier</th><th>Waiting</th></tr></thead><tbody>{{#byQueue}}<tr><td>{{skill}}</td><td>{{tier}}</td><td>{{count}}</td></tr>{{/byQueue}}</tbody></table></section>
            <section><h2>Today</h2><p>Created <strong id="created-today">{{createdToday}}</strong> · resolved <strong id="resolved-today">{{resolvedToday}}</strong></p>
            <table id="hourly"><thead><tr><th>Hour (UTC)</th><th>In</th><th>Out</th><th>Backlog ±</th></tr></thead><tbody>{{#hours}}<tr><td>{{hour}}</td><td>{{created}}</td><td>{{resolved}}</td><td>{{trend}}</td></tr>{{/hours}}</tbody></table></section>
            <section><h2>Agents online</h2><table id="agents"><thead><tr><th>Agent</th><th>State</th><th>Load</th></tr></thead><tbody>{{#agents}}<tr><td>{{name}}</td><td>{{state}}</td><td>{{load}} / {{capacity}}</td></tr>{{/agents}}</tbody></table></section>
            <section><h2>Next SLA breaches</h2><table id="breaches"><tbody>{{#breaches}}<tr><td><a href="/work/tickets/{{id}}">#{{id}}</a> {{subject}}</td><td><span class="due {{dueClass}}" data-due="{{due}}" data-span="{{span}}">{{dueText}}</span></td></tr>{{/breaches}}</tbody></table>
            <p>Overdue now: <strong id="overdue">{{overdue}}</strong></p></section>
            <section><h2>Dispatch</h2><p>p99 latency since start: <strong id="dispatch-p99">{{dispatchP99}}</strong></p></section>
            </div>
            """),
    ]

    /// A moment as `2026-12-02 14:05 UTC`.
    static func time(_ at: Millis) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(at) / 1000))
    }

    /// A duration in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func span(_ millis: Millis) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        if seconds < 86_400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
    }

    /// A due time as a countdown and its colour: `red` once breached, `amber` in the last quarter of its
    /// target (the default warning threshold is 75% of it), else plain.
    static func countdown(due: Millis, from start: Millis, now: Millis) -> (text: String, cls: String) {
        if due <= now { return ("\(span(now - due)) overdue", "red") }
        let left = due - now, whole = max(1, due - start)
        return ("in \(span(left))", left * 4 <= whole ? "amber" : "ok")
    }

    /// What the customer may expect next, in words.
    static func expected(_ ticket: Ticket) -> String? {
        let now = currentMillis()
        if ticket.status.waitsOnCustomer { return nil }
        if let due = ticket.sla?.firstResponseDue ?? ticket.sla?.nextResponseDue {
            return due > now ? "we aim to answer within \(span(due - now))" : "our answer is late; it has priority"
        }
        return nil
    }

    static let workspaceCSS = """
        .tabs { margin-bottom: 1rem; }
        .scroll-x { overflow-x: auto; }
        main { overflow-wrap: anywhere; }
        .bar { padding: .5rem 1rem; }
        .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
        .row label { margin-top: 0; }
        .row input, .row select { width: auto; }
        .row button { margin-top: 0; }
        .check { font-weight: 400; }
        .check input { display: inline; width: auto; }
        select { padding: .45rem; }
        .state { padding: .2rem .5rem; border-radius: .3rem; background: #dde1e8; }
        .state.on { background: #d7f2df; }
        .notice { color: #0d5b2a; background: #e4f6ea; border: 1px solid #a9dcb8; padding: .5rem .75rem; border-radius: .35rem; }
        .due.amber { color: #8a5300; background: #fff2d6; padding: 0 .3rem; border-radius: .25rem; }
        .due.red { color: #fff; background: #b3161f; padding: 0 .3rem; border-radius: .25rem; }
        .prio.P1 { color: #b3161f; font-weight: 700; } .prio.P2 { color: #8a5300; font-weight: 600; }
        .message header { display: block; background: none; color: inherit; padding: 0; }
        .message { background: #fff; border: 1px solid #dde1e8; border-radius: .5rem; padding: .5rem .9rem; margin: .5rem 0; }
        .message p { white-space: pre-wrap; margin: .4rem 0; }
        .message.support { border-left: 4px solid #2f5bd3; }
        .message.note { background: #fff8e1; border: 1px dashed #d8a300; }
        .badge { background: #d8a300; color: #1d2330; font-size: .75rem; padding: .05rem .4rem; border-radius: .25rem; }
        .note-input { background: #fff8e1; }
        .preview { background: #eef2fd; border: 1px solid #b9c8f3; padding: .5rem .9rem; border-radius: .35rem; margin-top: .5rem; }
        .preview p { white-space: pre-wrap; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
        dt { font-weight: 600; } dd { margin: 0; }
        #actions form { border-top: 1px solid #dde1e8; padding-top: .5rem; margin-top: .5rem; }
        .keys { color: #5b6475; margin: 0; }
        .dash { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
        .dash section { margin: 0; overflow-x: auto; }
        .dash th, .dash td { padding: .35rem .5rem; }
        .big { font-size: 2.5rem; font-weight: 700; margin: 0; }
        main:has(.dash), main:has(#queue-region), main:has(.ticket-layout) { max-width: 80rem; }
        @media (min-width: 64rem) { .ticket-layout { display: grid; grid-template-columns: minmax(0, 1fr) 26rem; gap: 1rem; align-items: start; }
          .ticket-layout > [data-live] { grid-row: span 2; } .ticket-layout > #related { grid-column: 2; } }
        #actions textarea, #actions input { max-width: 100%; }
        @media (max-width: 40rem) { #queue th:nth-child(6), #queue td:nth-child(6), #my-tickets th:nth-child(6), #my-tickets td:nth-child(6) { display: none; } }
        """

    /// The live pages' script (served as `/static/desk.js`; the pages allow no inline script). It keeps
    /// `data-live` regions current from `/live`, counts SLA clocks down, tells of new assignments, gives
    /// the ticket page its keys, and shows the portal's request form the articles that may answer it while
    /// the customer types (`/api/v1/kb/suggest`).
    static let script = """
        (function () {
          'use strict';
          function tick() {
            var now = Date.now();
            document.querySelectorAll('[data-due]').forEach(function (el) {
              var due = +el.getAttribute('data-due'), whole = +el.getAttribute('data-span') || 1;
              var left = due - now, text, cls;
              function words(ms) { var s = Math.floor(ms / 1000); if (s < 60) return s + ' s'; if (s < 3600) return Math.floor(s / 60) + ' min';
                if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min'; return Math.floor(s / 86400) + ' d ' + Math.floor(s % 86400 / 3600) + ' h'; }
              if (left <= 0) { text = words(-left) + ' overdue'; cls = 'red'; } else { text = 'in ' + words(left); cls = left * 4 <= whole ? 'amber' : 'ok'; }
              el.textContent = text; el.className = 'due ' + cls;
            });
          }
          setInterval(tick, 1000);
          var regions = document.querySelectorAll('[data-live]');
          if (regions.length && window.EventSource) {
            var scope = regions[0].getAttribute('data-live');
            var busy = false, again = false;
            var mine = function (root) { return Array.prototype.map.call(root.querySelectorAll('[data-mine]'), function (r) { return r.getAttribute('data-mine'); }); };
            var before = mine(document);
            var refresh = function () {
              if (busy) { again = true; return; }
              busy = true;
              fetch(location.href, { credentials: 'same-origin', headers: { 'X-Desk-Live': '1' } }).then(function (r) { return r.text(); }).then(function (html) {
                var doc = new DOMParser().parseFromString(html, 'text/html');
                var fresh = doc.querySelectorAll('[data-live]');
                var current = document.querySelectorAll('[data-live]');
                if (fresh.length === current.length) { for (var i = 0; i < current.length; i++) current[i].replaceWith(document.importNode(fresh[i], true)); }
                tick();
                var now = mine(document), added = now.filter(function (id) { return before.indexOf(id) < 0; });
                before = now;
                if (added.length) {
                  var notice = document.getElementById('assigned-notice');
                  if (notice) { notice.hidden = false; notice.textContent = 'New ticket assigned to you: #' + added.join(', #'); }
                  var sound = document.getElementById('sound');
                  if (sound && sound.checked && window.AudioContext) { var ctx = new AudioContext(), o = ctx.createOscillator(); o.connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.15); }
                }
                document.body.setAttribute('data-refreshed', String(Date.now()));
              }).catch(function () {}).then(function () { busy = false; if (again) { again = false; setTimeout(refresh, 200); } });
            };
            var source = new EventSource('/live');
            source.onmessage = function (e) {
              var change = JSON.parse(e.data);
              if (scope === 'all' || change.more || (change.tickets || []).map(String).indexOf(scope) >= 0) refresh();
            };
            source.addEventListener('reset', refresh);
            source.addEventListener('open', function () { document.body.setAttribute('data-live-open', '1'); });
          }
          var requestForm = document.querySelector('form[data-suggest]');
          if (requestForm && window.fetch) {
            var panel = document.getElementById('suggestions'), list = document.getElementById('suggestion-list');
            var draft = document.getElementById('draft'), timer = null, last = '';
            var subject = document.getElementById('subject'), body = document.getElementById('body');
            var csrf = requestForm.querySelector('input[name=csrf]').value;
            var ask = function () {
              var text = subject.value + '\\n' + body.value;
              if (text === last || text.trim().length < 12) return;
              last = text;
              var sent = { subject: subject.value, body: body.value, channel: 'web' };
              if (draft.value) sent.draft = draft.value;
              fetch('/api/v1/kb/suggest', { method: 'POST', credentials: 'same-origin',
                headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(sent) })
                .then(function (r) { return r.ok ? r.json() : null; }).then(function (answer) {
                  if (!answer) return;
                  list.textContent = '';
                  answer.suggestions.forEach(function (s) {
                    var li = document.createElement('li'); li.className = 'suggestion';
                    var a = document.createElement('a'); a.className = 'suggestion-link';
                    a.href = '/help/articles/' + s.id + '?draft=' + encodeURIComponent(answer.draft); a.target = '_blank'; a.rel = 'noopener';
                    a.textContent = s.title; li.appendChild(a);
                    var p = document.createElement('p'); p.innerHTML = s.snippet; li.appendChild(p);
                    var f = document.createElement('form'); f.method = 'post'; f.action = '/portal/deflect'; f.className = 'inline';
                    [['csrf', csrf], ['draft', answer.draft], ['article_id', String(s.id)]].forEach(function (kv) {
                      var i = document.createElement('input'); i.type = 'hidden'; i.name = kv[0]; i.value = kv[1]; f.appendChild(i);
                    });
                    var b = document.createElement('button'); b.type = 'submit'; b.className = 'solved'; b.id = 'solved-' + s.id;
                    b.textContent = 'This solved my problem'; f.appendChild(b); li.appendChild(f);
                    list.appendChild(li);
                  });
                  if (answer.suggestions.length) { draft.value = answer.draft; panel.hidden = false; } else { panel.hidden = true; }
                }).catch(function () {});
            };
            [subject, body].forEach(function (el) {
              el.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(ask, 600); });
            });
          }
          document.querySelectorAll('button.link-article').forEach(function (button) {
            button.addEventListener('click', function () {
              var reply = document.getElementById('reply-body');
              if (!reply) return;
              var line = button.getAttribute('data-title') + ': ' + button.getAttribute('data-link');
              reply.value = reply.value ? reply.value.replace(/\\s*$/, '') + '\\n\\n' + line : line;
              reply.focus();
            });
          });
          if (document.getElementById('actions')) {
            document.addEventListener('keydown', function (e) {
              var t = e.target && e.target.tagName;
              if (t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return;
              var target = { r: 'reply-body', n: 'note-body', x: 'resolution' }[e.key];
              if (target) { e.preventDefault(); document.getElementById(target).focus(); }
            });
          }
        })();
        """
}
