"""The partner's private customer list: uploaded whole, kept as keyed hashes, never given back."""

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, current_partner, require
from api.csvfile import UPLOAD_LIMIT, csv_upload
from api.errors import problem
from api.extensions import db
from api.parsing import Blueprint
from api.v1.fields import QueryBoolean
from partnerhub.customers import lists as customers

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customers (private)")

# JSON is parsed whole: for large lists, CSV.
JSON_LIMIT = 8 * 1024 * 1024
CSV = "text/csv"
JSON = "application/json"


class CustomerIn(Schema):
    """One customer: any of the three, at least one. Each is normalised, hashed and forgotten."""

    email = fields.String(allow_none=True, validate=validate.Length(max=1000))
    phone = fields.String(allow_none=True, validate=validate.Length(max=1000))
    domain = fields.String(allow_none=True, validate=validate.Length(max=1000))


class CustomersIn(Schema):
    customers = fields.List(fields.Nested(CustomerIn), required=True)


class UploadArgs(Schema):
    allow_empty = QueryBoolean(
        load_default=False,
        metadata={"description": "true: an upload with no customer empties the list (refused otherwise)"},
    )


class Rejected(Schema):
    line = fields.Integer(metadata={"description": "CSV: the line of the file (the header is line 1)"})
    index = fields.Integer(metadata={"description": "JSON: the position in `customers`, from 0"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per column (`_row`: the row as a whole), the reasons"},
    )


class CustomerListOut(Schema):
    count = fields.Integer(metadata={"description": "Customers on the list"})
    uploaded_at = fields.DateTime(allow_none=True, metadata={"description": "null: never uploaded"})


class UploadOut(CustomerListOut):
    rejected = fields.List(
        fields.Nested(Rejected),
        metadata={"description": f"Rows not taken, with why: the first {customers.MAX_REPORTED}"},
    )
    rejected_count = fields.Integer(metadata={"description": "Every row not taken"})


# Two kinds of body: flask-smorest documents one, so the document states both by hand.
_BODY = {
    "required": True,
    "content": {
        JSON: {"schema": CustomersIn},
        CSV: {
            "schema": {
                "type": "string",
                "description": "UTF-8, a header row naming some of email, phone, domain; one customer a line",
                "example": "email,phone,domain\nbuyer@acme.example,+49 30 1234567,acme.example\n",
            }
        },
    },
}


@blp.route("")
class Customers(MethodView):
    @require("directory:read")
    @blp.response(200, CustomerListOut)
    def get(self):
        """How many customers the partner's list holds, and when it came; never the customers."""
        return customers.customer_list(db.session, partner_id=current_partner().id)

    @require("directory:write")
    @blp.arguments(UploadArgs, location="query")
    @blp.doc(requestBody=_BODY)
    @blp.response(200, UploadOut)
    @blp.alt_response(413, description=f"A CSV body over {UPLOAD_LIMIT} bytes, a JSON one over {JSON_LIMIT}")
    @blp.alt_response(415, description="A body neither application/json nor text/csv")
    def put(self, args):
        """Replace the customer list, at once: JSON `customers`, or a CSV file for large lists.

        Rows that cannot be read are left out and listed in `rejected`; an upload with no customer
        is refused unless `allow_empty=true`.
        """
        partner = current_partner()
        if request.mimetype == CSV:
            request.max_content_length = UPLOAD_LIMIT
            entries, position = customers.csv_entries(csv_upload(request.stream)), "line"
        elif request.mimetype == JSON:
            request.max_content_length = JSON_LIMIT
            body = blp.ARGUMENTS_PARSER.parse(CustomersIn, request, location="json")
            entries, position = customers.json_entries(body["customers"]), "index"
        else:
            return problem(415, "Unsupported Media Type", f"Send the list as {JSON} or {CSV}.")
        return customers.replace_customer_list(
            db.session,
            partner=partner,
            entries=entries,
            allow_empty=args["allow_empty"],
            position=position,
            **acting(),
        )
