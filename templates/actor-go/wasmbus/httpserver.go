// wasmcloud:httpserver — the HttpServer service an actor receives (HttpServer.HandleRequest).

package wasmbus

// HttpServerContractID is the contract id of the HTTP server capability.
const HttpServerContractID = "wasmcloud:httpserver"

// HttpRequest is an HTTP request the httpserver provider hands to the actor.
type HttpRequest struct {
	Method      string
	Path        string
	QueryString string
	Header      map[string][]string
	Body        []byte
}

// EncodeMsgpack writes the request as the map the Rust interface crate writes.
func (v *HttpRequest) EncodeMsgpack(e *Encoder) {
	e.WriteMapLen(5)
	e.WriteString("method")
	e.WriteString(v.Method)
	e.WriteString("path")
	e.WriteString(v.Path)
	e.WriteString("queryString")
	e.WriteString(v.QueryString)
	e.WriteString("header")
	e.WriteHeaderMap(v.Header)
	e.WriteString("body")
	e.WriteBytes(v.Body)
}

// DecodeMsgpack reads the request.
func (v *HttpRequest) DecodeMsgpack(d *Decoder) {
	d.Struct([]string{"method", "path", "queryString", "header", "body"}, func(name string) {
		switch name {
		case "method":
			v.Method = d.String()
		case "path":
			v.Path = d.String()
		case "queryString":
			v.QueryString = d.String()
		case "header":
			v.Header = d.HeaderMap()
		case "body":
			v.Body = d.Bytes()
		default:
			d.Skip()
		}
	})
}

// HttpResponse is the actor's answer.
type HttpResponse struct {
	StatusCode uint16
	Header     map[string][]string
	Body       []byte
}

// NewHttpResponse is a response with this status and body and no headers.
func NewHttpResponse(status uint16, body []byte) *HttpResponse {
	return &HttpResponse{StatusCode: status, Header: map[string][]string{}, Body: body}
}

// EncodeMsgpack writes the response as the map the Rust interface crate writes.
func (v *HttpResponse) EncodeMsgpack(e *Encoder) {
	e.WriteMapLen(3)
	e.WriteString("statusCode")
	e.WriteUint(uint64(v.StatusCode))
	e.WriteString("header")
	e.WriteHeaderMap(v.Header)
	e.WriteString("body")
	e.WriteBytes(v.Body)
}

// DecodeMsgpack reads the response (a missing status is 200, as in the Rust crate).
func (v *HttpResponse) DecodeMsgpack(d *Decoder) {
	v.StatusCode = 200
	d.Struct([]string{"statusCode", "header", "body"}, func(name string) {
		switch name {
		case "statusCode":
			v.StatusCode = d.Uint16()
		case "header":
			v.Header = d.HeaderMap()
		case "body":
			v.Body = d.Bytes()
		default:
			d.Skip()
		}
	})
}

// HttpServer is what an actor implements to answer HTTP requests.
type HttpServer interface {
	HandleRequest(req *HttpRequest) (*HttpResponse, error)
}

// RegisterHttpServer routes HttpServer.HandleRequest to h.
func RegisterHttpServer(h HttpServer) {
	Handle("HttpServer.HandleRequest", func(payload []byte) ([]byte, error) {
		var req HttpRequest
		if err := Decode(payload, &req); err != nil {
			return nil, err
		}
		resp, err := h.HandleRequest(&req)
		if err != nil {
			return nil, err
		}
		return Encode(resp), nil
	})
}
