// kvcounter in Go: every HTTP request increments a counter named after its URL path (the key is
// `counter:` then the path with each `/` turned into `:`) and answers {"counter": N}. A failed
// KeyValue.Increment answers 500 with {"error": "..."} naming the key and the cause — the same
// behaviour as the Rust kvcounter in examples/kvcounter.
package main

import (
	"strconv"
	"strings"

	"PROJECT/wasmbus"
)

// Counter keeps no state: the linked key-value provider does.
type Counter struct{}

// HandleRequest increments the counter of the request path.
func (Counter) HandleRequest(req *wasmbus.HttpRequest) (*wasmbus.HttpResponse, error) {
	key := "counter:" + strings.ReplaceAll(req.Path, "/", ":")
	count, err := wasmbus.NewKeyValueSender().Increment(&wasmbus.IncrementRequest{Key: key, Value: 1})
	if err != nil {
		message := "failed to increment `" + key + "` in the key-value store: " + err.Error()
		return jsonResponse(500, `{"error":`+strconv.Quote(message)+`}`), nil
	}
	return jsonResponse(200, `{"counter":`+strconv.Itoa(int(count))+`}`), nil
}

func jsonResponse(status uint16, body string) *wasmbus.HttpResponse {
	resp := wasmbus.NewHttpResponse(status, []byte(body))
	resp.Header["Content-Type"] = []string{"application/json"}
	return resp
}

func init() {
	wasmbus.RegisterHttpServer(Counter{})
}

func main() {}
