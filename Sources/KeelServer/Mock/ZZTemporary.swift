import Hummingbird
extension MockRoutes { func registerProviderProtocols(on router: Router<Context>) {} }
