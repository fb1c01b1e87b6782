"""Serializers of the staff case API, one module per resource.

Input serializers only check shape and types, then the views hand the values to the case
selectors and services, which make every decision. Output serializers are separate and
read-only, and read records as the reader projection (cases/privacy) shows them: the views
hand them `Projected` records, so a field is what the reader may see of it. Where the reader
may not see who the people of a report are, the identity fields are null and
`identity_withheld` is true, so a client can tell "withheld" from "not given".

- `errors`: the error codes and the bodies of error answers;
- `fields`: the fields several resources declare (a status, words a service checks, a user);
- `queue`: the queue's query, its rows and its page;
- `cases`: a case's own fields (the answer of every write) and its detail;
- `reports`: a report of a case, with its people, encounter, additions and messages;
- `evidence`: a file of a report, and the query of its download;
- `notes`: a case note, written and read;
- `actions`: the bodies of the other writes (workflow, question, merge, tags, assignment);
- `history`: the entries of a case's timeline.

Import each from its module; this package re-exports nothing.
"""
