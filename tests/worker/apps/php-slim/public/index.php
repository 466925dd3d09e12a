<?php

use Psr\Http\Message\ResponseInterface as Response;
use Psr\Http\Message\ServerRequestInterface as Request;
use Slim\Factory\AppFactory;

require __DIR__ . '/../vendor/autoload.php';

$app = AppFactory::create();

$app->get('/health', function (Request $request, Response $response) {
    $response->getBody()->write('{"status":"ok"}');
    return $response->withHeader('Content-Type', 'application/json');
});

$app->get('/rates/{currency}', function (Request $request, Response $response, array $args) {
    $response->getBody()->write(json_encode(['currency' => $args['currency'], 'rate' => 1.0]));
    return $response->withHeader('Content-Type', 'application/json');
});

$app->run();
