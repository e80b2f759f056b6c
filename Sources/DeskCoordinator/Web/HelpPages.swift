/// The public help centre: search, categories, articles.
extension WebPages {
    static let helpTemplates: [(String, String)] = [
        ("help", """
            <h1>Help centre</h1>
            <form method="get" action="/help" id="help-search" role="search" class="row">
            <label for="q">Search the articles</label>
            <input id="q" name="q" value="{{q}}" placeholder="Describe the problem in your words">
            <button type="submit">Search</button>
            </form>
            {{#searched}}
            <section id="help-results" aria-label="Results">
            {{^results}}<p id="no-results">No article matches “{{q}}”. <a href="/portal/new">Ask us</a>.</p>{{/results}}
            {{#results}}<article class="hit"><h2><a href="/help/articles/{{id}}">{{{title}}}</a></h2><p>{{{snippet}}}</p></article>{{/results}}
            </section>
            {{/searched}}
            {{#category}}<section id="help-category"><h2>{{name}}</h2><ul>{{#articles}}<li><a href="/help/articles/{{id}}">{{title}}</a></li>{{/articles}}</ul></section>{{/category}}
            <section id="help-categories" aria-label="Categories"><h2>Categories</h2>
            <ul>{{#categories}}<li><a href="/help?category={{urlName}}">{{name}}</a> ({{count}})</li>{{/categories}}</ul>
            {{^categories}}<p>No articles yet.</p>{{/categories}}</section>
            """),
        ("help-article", """
            <p><a href="/help">← Help centre</a>{{#category}} · <a href="/help?category={{urlCategory}}">{{category}}</a>{{/category}}</p>
            <article id="help-article"><h1>{{title}}</h1>
            {{#internal}}<p class="badge" id="internal-badge">Internal: staff only</p>{{/internal}}
            {{{html}}}
            </article>
            {{#askHelpful}}<form method="post" action="/help/articles/{{id}}/feedback" id="helpful-form" class="row">
            <input type="hidden" name="csrf" value="{{csrf}}"><span>Did this help?</span>
            <button type="submit" name="helpful" value="yes" id="helpful-yes">Yes</button>
            <button type="submit" name="helpful" value="no" id="helpful-no">No</button></form>{{/askHelpful}}
            {{#thanked}}<p class="notice" id="helpful-thanks" role="status">Thank you: your answer helps us improve this article.</p>{{/thanked}}
            <p class="muted">Not solved? <a href="/portal/new">Ask us</a>.</p>
            """),
    ]

    static let helpCSS = """
        header .help-link { color: #fff; }
        .hit h2 { font-size: 1.1rem; margin: .75rem 0 .25rem; }
        .hit p, #help-article { line-height: 1.5; }
        mark { background: #fff2a8; padding: 0 .1rem; }
        #help-article pre { background: #1d2330; color: #f6f7f9; padding: .75rem; overflow-x: auto; border-radius: .35rem; }
        #help-article code { font-family: ui-monospace, monospace; }
        .suggestions { list-style: none; padding: 0; }
        section.suggestions { border: 1px solid #c9d3e3; background: #f3f7fd; border-radius: .35rem; padding: .5rem 1rem; margin: 1rem 0; }
        section.suggestions h2 { font-size: 1.05rem; margin: .25rem 0; }
        .suggestions ul { list-style: none; padding: 0; margin: 0; }
        .suggestion { margin: .5rem 0 .9rem; }
        .suggestion p { margin: .2rem 0 .4rem; line-height: 1.45; }
        .suggestion .solved { font-size: .9rem; }
        """
}
