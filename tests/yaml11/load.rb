# What Ruby's Psych makes of YAML documents, for tests/cli/yaml11/. Reads a JSON array of
# YAML texts on stdin; writes a JSON array with, for each: "canon", the loaded document in a
# canonical text (equal texts: equal documents, with Ruby's `==` on numbers: 1 == 1.0);
# "reading", the type and value of the top-level key "k" when it is a scalar; "raw", that
# scalar's text as the parser scanned it; "error", why it did not load. Loaded as Rails loads
# config/*.yml (ActiveSupport::ConfigurationFile): YAML.unsafe_load, aliases allowed.
require 'yaml'
require 'json'
require 'date'

def float_text(v)
  return 'nan' if v.nan?
  return (v > 0 ? 'inf' : '-inf') if v.infinite?
  [v].pack('G').unpack1('H*')
end

def reading(v)
  case v
  when nil then ['null', nil]
  when true, false then ['bool', v]
  when Integer then ['int', v.to_s]
  when Float then ['float', float_text(v)]
  when String then ['str', v]
  else ['other', v.class.name]
  end
end

def canon(v)
  case v
  when nil then 'null'
  when true, false then "bool:#{v}"
  when Integer then "num:#{v}"
  when Float
    v.finite? && v == v.floor && v.abs < 2**53 ? "num:#{v.to_i}" : "float:#{float_text(v)}"
  when String then "str:#{JSON.generate(v)}"
  when Symbol then "sym:#{JSON.generate(v.to_s)}"
  when Time then "time:#{v.utc.strftime('%Y-%m-%dT%H:%M:%S.%N')}"
  when Date then "date:#{v.iso8601}"
  when Array then '[' + v.map { |x| canon(x) }.join(',') + ']'
  when Hash then '{' + v.map { |k, x| "#{canon(k)}=>#{canon(x)}" }.sort.join(',') + '}'
  else "other:#{v.class.name}"
  end
end

def raw(text)
  root = Psych.parse(text)&.root
  return nil unless root.is_a?(Psych::Nodes::Mapping)
  root.children.each_slice(2) do |k, v|
    return v.value if k.is_a?(Psych::Nodes::Scalar) && k.value == 'k' && v.is_a?(Psych::Nodes::Scalar)
  end
  nil
end

out = JSON.parse(STDIN.read).map do |text|
  begin
    doc = YAML.unsafe_load(text)
    k = doc.is_a?(Hash) && doc.key?('k') ? reading(doc['k']) : nil
    { 'canon' => canon(doc), 'reading' => k, 'raw' => raw(text), 'error' => nil }
  rescue Exception => e
    { 'canon' => nil, 'reading' => nil, 'raw' => nil, 'error' => "#{e.class}: #{e.message}"[0, 200] }
  end
end
puts JSON.generate(out)
