require "json"

app = lambda do |env|
  case env["PATH_INFO"]
  when "/ping"
    [200, { "content-type" => "text/plain" }, ["pong"]]
  else
    [200, { "content-type" => "application/json" }, [{ hello: "world" }.to_json]]
  end
end

run app
