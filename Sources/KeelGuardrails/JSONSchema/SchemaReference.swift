/// Where a `$ref` points. Keel resolves references inside the schema document only: a gateway
/// must not fetch schemas from the network while answering a request.
enum SchemaReference {
    static func target(of reference: String, at location: SchemaPointer) throws(JSONSchemaError) -> SchemaPointer {
        guard reference.hasPrefix("#") else {
            let kind = reference.contains("://") || reference.hasPrefix("//") ? "remote reference" : "reference"
            throw JSONSchemaError(
                "\(kind) '\(reference)' is not supported: only references within the schema ('#', '#/$defs/...') are resolved",
                at: location)
        }
        let fragment = String(reference.dropFirst())
        guard let pointer = SchemaPointer(fragment: fragment) else {
            let problem =
                fragment.hasPrefix("/")
                ? "is not a valid JSON pointer"
                : "is not supported: only JSON-pointer references ('#', '#/$defs/...') are resolved, not anchors"
            throw JSONSchemaError("reference '\(reference)' \(problem)", at: location)
        }
        return pointer
    }
}
