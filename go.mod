module github.com/flatseg/flatseg

go 1.26.8

require (
	github.com/benbjohnson/immutable v0.4.3
	github.com/google/btree v1.1.3
	github.com/stretchr/testify v1.12.1
	github.com/tidwall/btree v1.8.2
	go.uber.org/atomic v1.12.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/exp v0.0.0-20220518171630-0b5c67f07fdf // indirect
)
