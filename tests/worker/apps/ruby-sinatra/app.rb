require "sinatra"
require "json"

set :bind, "0.0.0.0"
set :port, ENV.fetch("PORT", 4600)

get "/health" do
  content_type :json
  { status: "ok" }.to_json
end

get "/quotes" do
  content_type :json
  [].to_json
end
