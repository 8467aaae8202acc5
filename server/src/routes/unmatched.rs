//! Requests no route takes: 405 with `Allow` when the path is one of ours but the method is
//! not (`TRACE /api/v1/chats`), 404 otherwise. Which methods a path takes is read from the
//! OpenAPI document, which lists every registered route (`routes::configure`).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use natter_shared::ErrorCode;

use crate::error::ApiError;

/// The documented paths (as `/api/v1/chats/{id}` templates) and the methods each takes.
#[derive(Debug, Default)]
pub struct RouteMethods(Vec<(Vec<Segment>, Vec<Method>)>);

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteMethods {
    /// Reads the paths of `doc`.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let mut methods: Vec<Method> = [
                    (Method::GET, item.get.is_some()),
                    (Method::HEAD, item.head.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::OPTIONS, item.options.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect();
                // actix answers HEAD wherever GET is registered
                if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
                    methods.push(Method::HEAD);
                }
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods `path` takes, when it is one of ours.
    fn allowed(&self, path: &str) -> Option<Vec<&Method>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Vec<&Method> = Vec::new();
        for (segments, methods) in &self.0 {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if matches {
                for method in methods {
                    if !found.contains(&method) {
                        found.push(method);
                    }
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

/// The default service: 405 with `Allow` for a known path, else 404.
pub async fn answer(
    req: HttpRequest,
    routes: Option<web::Data<RouteMethods>>,
) -> Result<HttpResponse, ApiError> {
    if let Some(allowed) = routes.as_ref().and_then(|r| r.allowed(req.path())) {
        let allow = allowed
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError::client(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            format!("{} is not allowed here; allowed: {allow}", req.method()),
        )
        .with_header("Allow", allow));
    }
    Err(ApiError::client(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> RouteMethods {
        RouteMethods(vec![
            (
                vec![
                    Segment::Literal(String::new()),
                    Segment::Literal("chats".into()),
                    Segment::Param,
                ],
                vec![Method::GET, Method::HEAD],
            ),
            (
                vec![
                    Segment::Literal(String::new()),
                    Segment::Literal("chats".into()),
                    Segment::Literal("new".into()),
                ],
                vec![Method::POST],
            ),
        ])
    }

    #[test]
    fn a_known_path_names_its_methods_and_an_unknown_one_none() {
        let r = routes();
        assert_eq!(
            r.allowed("/chats/42"),
            Some(vec![&Method::GET, &Method::HEAD])
        );
        // a literal and a parameter both match: their methods together
        assert_eq!(
            r.allowed("/chats/new"),
            Some(vec![&Method::GET, &Method::HEAD, &Method::POST])
        );
        assert_eq!(r.allowed("/chats/"), None);
        assert_eq!(r.allowed("/chats/42/more"), None);
        assert_eq!(r.allowed("/nothing"), None);
    }
}
