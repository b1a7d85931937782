// Generated from sync/kinds.json by `.venv/bin/python -m sync.kinds`: edit that file, not this.
/* eslint-disable */
export const REGISTRY = {
  "about": [
    "The one registry of record kinds: docs/design.md, 'Record kinds'; CONTRIBUTING.md says how to add one.",
    "Python reads it through sync/kinds.py; the PWA through pwa/static/js/kinds.js, made from this file by",
    "`.venv/bin/python -m sync.kinds` (a test keeps the two equal). Labels are translation keys by convention:",
    "kind.<kind>, <kind>.<field>, <kind>.<field>_help, <kind>.new_title, <kind>.edit_title, opt.<options>.<value>;",
    "the self-report flow's first-person labels are self.<kind>.<field>."
  ],
  "fallback": "incident",
  "acknowledgement": "ack",
  "options": {
    "incident_category": [
      "bank",
      "telecom",
      "housing",
      "employment",
      "school",
      "service",
      "border",
      "documents",
      "police",
      "healthcare",
      "online",
      "violence",
      "other"
    ],
    "need_category": [
      "accommodation",
      "legal",
      "medical",
      "psychological",
      "money",
      "humanitarian",
      "evacuation",
      "employment",
      "translation",
      "documents",
      "banking",
      "schooling",
      "other"
    ],
    "urgency": [
      "critical",
      "high",
      "normal",
      "low"
    ],
    "status": [
      "new",
      "triaged",
      "assigned",
      "in_progress",
      "met",
      "closed_unmet"
    ],
    "country": [
      "PL",
      "LT",
      "LV",
      "EE",
      "UA",
      "GE",
      "DE",
      "CZ",
      "SK",
      "FI",
      "SE",
      "NO",
      "DK",
      "NL",
      "BE",
      "FR",
      "IT",
      "ES",
      "PT",
      "AT",
      "CH",
      "GB",
      "IE",
      "US",
      "CA",
      "IL",
      "TR",
      "AM",
      "KZ",
      "AE",
      "RS",
      "ME",
      "MD",
      "RO",
      "BG",
      "HU",
      "BY",
      "RU",
      "other"
    ],
    "place": [
      "street",
      "shop",
      "bank",
      "authority",
      "police",
      "border",
      "school",
      "workplace",
      "housing",
      "healthcare",
      "transport",
      "online",
      "other"
    ],
    "perpetrator": [
      "private_person",
      "business",
      "bank",
      "landlord",
      "employer",
      "school",
      "police",
      "border_guard",
      "migration",
      "official",
      "online",
      "unknown",
      "other"
    ],
    "age_group": [
      "under_18",
      "18_29",
      "30_44",
      "45_64",
      "65_plus"
    ],
    "gender": [
      "woman",
      "man",
      "other"
    ],
    "consent": [
      "store",
      "stats",
      "contact"
    ],
    "reported_to": [
      "police",
      "ombudsman",
      "authority",
      "employer",
      "bank",
      "lawyer",
      "ngo",
      "media",
      "no_one",
      "other"
    ],
    "outcome": [
      "none_yet",
      "pending",
      "resolved",
      "unresolved",
      "unknown"
    ],
    "languages": [
      "be",
      "ru",
      "uk",
      "pl",
      "lt",
      "en",
      "lv",
      "de",
      "other"
    ],
    "channel": [
      "phone",
      "signal",
      "telegram",
      "whatsapp",
      "viber",
      "email",
      "in_person",
      "via_volunteer",
      "other"
    ]
  },
  "limits": {
    "text": 200,
    "textarea": 5000,
    "tag": 40,
    "tags": 20,
    "link": 500,
    "links": 10
  },
  "kinds": {
    "incident": {
      "create": [
        "coordinator",
        "volunteer",
        "reporter"
      ],
      "nav": {
        "label": "nav.new_incident",
        "icon": "incident"
      },
      "listed": true,
      "acknowledged": true,
      "attachments": true,
      "label": [
        "category",
        "city",
        "date"
      ],
      "order": "newest",
      "filters": [
        {
          "field": "category",
          "label": "list.category"
        }
      ],
      "badges": [],
      "summary": [
        "category",
        "date",
        "country",
        "city"
      ],
      "search": [
        "description",
        "city",
        "contact",
        "evidence",
        "tags",
        "evidence_links"
      ],
      "title": "description",
      "fields": [
        {
          "name": "category",
          "type": "select",
          "options": "incident_category",
          "required": true
        },
        {
          "name": "date",
          "type": "when",
          "required": true
        },
        {
          "name": "country",
          "type": "select",
          "options": "country",
          "required": true
        },
        {
          "name": "city",
          "type": "text"
        },
        {
          "name": "place",
          "type": "select",
          "options": "place"
        },
        {
          "name": "description",
          "type": "textarea",
          "required": true
        },
        {
          "name": "perpetrator",
          "type": "select",
          "options": "perpetrator"
        },
        {
          "name": "affected",
          "type": "number",
          "min": 1,
          "max": 10000
        },
        {
          "name": "age_group",
          "type": "select",
          "options": "age_group"
        },
        {
          "name": "gender",
          "type": "select",
          "options": "gender"
        },
        {
          "name": "consent",
          "type": "checks",
          "options": "consent"
        },
        {
          "name": "contact",
          "type": "text"
        },
        {
          "name": "evidence",
          "type": "textarea"
        },
        {
          "name": "evidence_links",
          "type": "links"
        },
        {
          "name": "reported_to",
          "type": "checks",
          "options": "reported_to"
        },
        {
          "name": "outcome",
          "type": "select",
          "options": "outcome"
        },
        {
          "name": "tags",
          "type": "tags"
        }
      ],
      "defaults": {
        "date": "$today",
        "affected": "1",
        "consent": [
          "store"
        ]
      },
      "rules": [
        {
          "rule": "includes",
          "field": "consent",
          "value": "store",
          "error": "error.consent_store"
        },
        {
          "rule": "required_if_includes",
          "field": "contact",
          "if": "consent",
          "value": "contact",
          "error": "error.contact_needed"
        }
      ]
    },
    "need": {
      "create": [
        "coordinator",
        "volunteer",
        "reporter"
      ],
      "nav": {
        "label": "nav.new_need",
        "icon": "need"
      },
      "listed": true,
      "acknowledged": true,
      "attachments": true,
      "label": [
        "category",
        "city"
      ],
      "order": "urgency",
      "filters": [
        {
          "field": "category",
          "label": "list.category"
        },
        {
          "field": "urgency",
          "label": "need.urgency"
        },
        {
          "field": "status",
          "label": "need.status"
        }
      ],
      "badges": [
        "urgency",
        "status"
      ],
      "summary": [
        "category",
        "country",
        "city",
        "urgency",
        "status",
        "follow_up",
        "assignee",
        "incident"
      ],
      "search": [
        "description",
        "city",
        "contact",
        "safe_times"
      ],
      "title": "description",
      "fields": [
        {
          "name": "category",
          "type": "select",
          "options": "need_category",
          "required": true
        },
        {
          "name": "urgency",
          "type": "radio",
          "options": "urgency",
          "required": true
        },
        {
          "name": "country",
          "type": "select",
          "options": "country",
          "required": true
        },
        {
          "name": "city",
          "type": "text"
        },
        {
          "name": "adults",
          "type": "number",
          "min": 0,
          "max": 1000
        },
        {
          "name": "children",
          "type": "number",
          "min": 0,
          "max": 1000
        },
        {
          "name": "description",
          "type": "textarea",
          "required": true
        },
        {
          "name": "languages",
          "type": "checks",
          "options": "languages"
        },
        {
          "name": "contact",
          "type": "text"
        },
        {
          "name": "channel",
          "type": "select",
          "options": "channel"
        },
        {
          "name": "safe_times",
          "type": "text"
        },
        {
          "name": "status",
          "type": "select",
          "options": "status",
          "required": true
        },
        {
          "name": "assignee",
          "type": "device"
        },
        {
          "name": "follow_up",
          "type": "date"
        },
        {
          "name": "incident",
          "type": "record",
          "of": "incident"
        }
      ],
      "defaults": {
        "urgency": "normal",
        "status": "new",
        "adults": "1",
        "children": "0"
      },
      "rules": [
        {
          "rule": "sum_at_least",
          "fields": [
            "adults",
            "children"
          ],
          "min": 1,
          "field": "adults",
          "error": "error.people"
        }
      ]
    },
    "ack": {
      "create": [
        "coordinator"
      ],
      "nav": null,
      "listed": false,
      "acknowledged": false,
      "attachments": false,
      "refers": "report",
      "to_author": true,
      "label": [
        "date"
      ],
      "order": "newest",
      "filters": [],
      "badges": [],
      "summary": [
        "report",
        "date"
      ],
      "search": [],
      "title": null,
      "fields": [
        {
          "name": "report",
          "type": "record",
          "required": true
        },
        {
          "name": "date",
          "type": "date",
          "required": true
        }
      ],
      "defaults": {
        "date": "$today"
      },
      "rules": []
    },
    "note": {
      "create": [
        "coordinator",
        "volunteer"
      ],
      "nav": null,
      "listed": false,
      "acknowledged": false,
      "note_of": "about",
      "label": [
        "about"
      ],
      "order": "newest",
      "filters": [],
      "badges": [],
      "summary": [
        "about"
      ],
      "search": [
        "text"
      ],
      "title": "text",
      "fields": [
        {
          "name": "about",
          "type": "record",
          "required": true
        },
        {
          "name": "text",
          "type": "textarea",
          "required": true
        }
      ],
      "defaults": {},
      "rules": []
    },
    "profile": {
      "create": [
        "coordinator",
        "volunteer",
        "reporter"
      ],
      "nav": null,
      "listed": false,
      "acknowledged": false,
      "names_device": "name",
      "label": [
        "name"
      ],
      "order": "newest",
      "filters": [],
      "badges": [],
      "summary": [
        "name"
      ],
      "search": [],
      "title": null,
      "fields": [
        {
          "name": "name",
          "type": "text",
          "required": true
        }
      ],
      "defaults": {},
      "rules": []
    }
  },
  "self_report": {
    "roles": [
      "reporter"
    ],
    "incident": {
      "shown": [
        "description",
        "category",
        "date",
        "country",
        "city"
      ],
      "folded": [
        "place",
        "perpetrator",
        "affected",
        "age_group",
        "gender",
        "evidence",
        "evidence_links",
        "reported_to",
        "outcome"
      ]
    },
    "need": {
      "shown": [
        "category",
        "description",
        "urgency"
      ],
      "folded": [
        "adults",
        "children",
        "languages"
      ]
    }
  }
};
