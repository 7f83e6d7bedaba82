// {{project-name}}: a wasmCloud actor in Go that answers every HTTP request with a greeting.
//
// GET /?name=Ada answers "Hello, Ada!"; without a name it greets the world.
package main

import (
	"strings"

	"{{crate_name}}/wasmbus"
)

// Actor answers HTTP requests; it holds no state.
type Actor struct{}

// HandleRequest greets the `name` of the query string.
func (Actor) HandleRequest(req *wasmbus.HttpRequest) (*wasmbus.HttpResponse, error) {
	name := "World"
	for _, pair := range strings.Split(req.QueryString, "&") {
		if value, ok := strings.CutPrefix(pair, "name="); ok && value != "" {
			name = value
		}
	}
	return wasmbus.NewHttpResponse(200, []byte("Hello, "+name+"!")), nil
}

func init() {
	wasmbus.RegisterHttpServer(Actor{})
}

// main is not called: the actor is a WASI reactor whose init functions register its handlers.
func main() {}
